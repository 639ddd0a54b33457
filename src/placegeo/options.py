"""Option files: candidate place configurations built from building blocks.

An option names places, each a list of blocks (codes or names of one layer's features), optionally
with sub-units one level down that are an option of their own. Or it points at a polygon file with a
place-name column (a planner's drawing). See docs/options.md for the format.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo.errors import OptionError, PlacegeoError

if TYPE_CHECKING:
    import geopandas as gpd

    from placegeo.layers import Layer

OPTION_KEYS = {"name", "description", "blocks", "code_column", "name_column", "places", "file", "place_column",
               "layer"}
PLACE_KEYS = {"name", "blocks", "subunits", "description"}
OPTION_SUFFIXES = {".yaml", ".yml", ".toml"}
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Place:
    """A named place: the union of its blocks, with optional sub-units one level down."""

    name: str
    blocks: tuple[str, ...]
    subunits: Option | None = None


@dataclass
class Option:
    """A candidate place configuration, resolved against its building-block layer."""

    name: str
    description: str
    places: list[Place]
    frame: gpd.GeoDataFrame
    blocks: Layer | None = None
    source: Path | None = None
    unassigned: list[str] = field(default_factory=list)

    @property
    def place_names(self) -> list[str]:
        """The places' names, in the option's order."""
        return [p.name for p in self.places]

    @property
    def atom_layer(self) -> str | None:
        """The bundled layer of whole features every place is a union of (e.g. ``lsoa11``), if any."""
        if self.blocks is None or self.blocks.entry is None:
            return None
        from placegeo.membership import atom_layer

        return atom_layer(self.blocks.id)

    def members(self) -> dict[str, frozenset[str]] | None:
        """Place name -> atom codes (e.g. LSOA codes), when the blocks layer is block-built; else None."""
        if self.atom_layer is None:
            return None
        from placegeo.membership import members_of

        return {p.name: members_of(self.blocks.id, p.blocks) for p in self.places}

    @property
    def has_subunits(self) -> bool:
        """True when at least one place is split into sub-units (e.g. delivery units)."""
        return any(p.subunits is not None for p in self.places)


def load_option(source: str | Path | Mapping[str, Any], *, blocks: Layer | None = None) -> Option:
    """Read and resolve an option file (YAML or TOML), a mapping, or a polygon file with place names.

    ``FILE#PLACE`` is the sub-units of one place of the option in FILE, as an option of their own
    (e.g. ``lsc-four-places-2022.yaml#Lancashire``: the three delivery units), so that they can be
    compared, mapped and reported like any option.
    """
    if isinstance(source, Mapping):
        return _from_mapping(dict(source), base=Path.cwd(), path=None, blocks=blocks)
    path = Path(source)
    if not path.exists() and "#" in str(source):
        file, _, place = str(source).rpartition("#")
        if not file:
            raise OptionError("names no option file before '#' (FILE#PLACE)", path=path)
        return subunits_of(load_option(file, blocks=blocks), place, path=Path(file))
    if not path.exists():
        raise OptionError("no such option file", path=path)
    if path.is_dir():
        raise OptionError("is a directory, not an option file", path=path)
    if path.suffix.lower() not in OPTION_SUFFIXES:
        return _from_polygon_file(path, place_column=None, name=path.stem, description="")
    raw = read_option_text(path)
    return _from_mapping(raw, base=path.parent, path=path, blocks=blocks)


def with_subunits(options: list[Option]) -> list[Option]:
    """``options`` followed by the sub-units of each of their places that has them, each as an option."""
    return list(options) + [p.subunits for o in options for p in o.places if p.subunits is not None]


def subunits_of(option: Option, place: str, *, path: Path | None = None) -> Option:
    """The sub-units of ``place`` (matched ignoring case) of ``option``, as an option of their own."""
    found = {p.name.casefold(): p for p in option.places}.get(place.strip().casefold())
    if found is None:
        names = [p.name for p in option.places]
        close = difflib.get_close_matches(place, names, n=3)
        raise OptionError(f"has no place '{place}'", path=path,
                          hint=f"did you mean {', '.join(close)}?" if close else f"places: {', '.join(names)}")
    if found.subunits is None:
        with_units = [p.name for p in option.places if p.subunits is not None]
        raise OptionError(f"place '{found.name}' has no sub-units", path=path,
                          hint=f"places with sub-units: {', '.join(with_units)}" if with_units else None)
    return found.subunits


def read_option_text(path: Path) -> dict[str, Any]:
    """Parse an option file safely: no YAML aliases (no alias bombs, no recursion), size-limited."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OptionError(f"cannot read: {exc.strerror}", path=path) from None
    if len(data) > MAX_BYTES:
        raise OptionError(f"is {len(data):,} bytes; an option file is at most {MAX_BYTES:,}", path=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise OptionError("is not UTF-8 text", path=path) from None
    if path.suffix.lower() == ".toml":
        import tomllib

        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise OptionError(f"is not valid TOML: {exc}", path=path) from None
    else:
        raw = _safe_yaml(text, path)
    if not isinstance(raw, dict):
        raise OptionError("is not an option file (expected a mapping with 'name' and 'places')", path=path)
    return raw


def _safe_yaml(text: str, path: Path) -> Any:
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same result, faster
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                raise OptionError("uses YAML aliases (*name); option files may not", path=path)
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        lines = text.splitlines()
        line = lines[mark.line] if mark and mark.line < len(lines) else ""
        if "\t" in line[: mark.column + 1 if mark else 0] or "'\\t'" in str(exc):
            problem = "a tab character (YAML indents with spaces)"
        raise OptionError(f"is not valid YAML{where}: {problem}", path=path) from None


def _expect(value: Any, kind: type | tuple[type, ...], what: str, path: Path | None) -> Any:
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise OptionError(f"{what} should be a {names.replace('str', 'text')}, "
                          f"not {type(value).__name__}", path=path)
    return value


def _from_mapping(raw: dict[str, Any], *, base: Path, path: Path | None, blocks: Layer | None,
                  parent: str | None = None) -> Option:
    where = f"sub-units of '{parent}'" if parent else "option"
    unknown = sorted(set(map(str, raw)) - OPTION_KEYS)
    if unknown:
        raise OptionError(f"unknown key '{unknown[0]}' in {where} (allowed: {', '.join(sorted(OPTION_KEYS))})",
                          path=path)
    name = _expect(raw.get("name", parent and f"{parent} sub-units"), str, f"{where} 'name'", path)
    if not name or not name.strip():
        raise OptionError(f"{where} has no name", path=path)
    description = _expect(raw.get("description") or "", str, "'description'", path)
    if "file" in raw:
        file = base / _expect(raw["file"], str, "'file'", path)
        return _from_polygon_file(file, place_column=raw.get("place_column"), name=name,
                                  description=description, option_path=path)
    if "places" not in raw:
        raise OptionError(f"{where} has no 'places' (nor a polygon 'file')", path=path)
    if blocks is None:
        if "blocks" not in raw:
            raise OptionError(f"{where} does not say which layer its blocks come from ('blocks: lad21')", path=path)
        blocks = blocks_layer(raw, base, path)
    places_raw = _expect(raw["places"], list, "'places'", path)
    if not places_raw:
        raise OptionError(f"{where} has no places", path=path)
    resolver = BlockResolver(blocks, path)
    places = [_place(item, resolver, base, path) for item in places_raw]
    _check_places(places, blocks, path)
    assigned = {code for p in places for code in p.blocks}
    unassigned = [c for c in blocks.codes if c not in assigned]
    return Option(name=name.strip(), description=description.strip(), places=places,
                  frame=_place_frame(places, blocks), blocks=blocks, source=path, unassigned=unassigned)


def blocks_layer(raw: dict[str, Any], base: Path, path: Path | None) -> Layer:
    """The building-block layer an option file names (``blocks:``), a bundled id or a path relative to it."""
    from placegeo.catalogue import is_bundled
    from placegeo.layers import load_layer

    ref = _expect(raw["blocks"], str, "'blocks'", path)
    source = ref if is_bundled(ref) else str(base / ref)
    try:
        return load_layer(source, code=raw.get("code_column"), name=raw.get("name_column"), layer=raw.get("layer"))
    except PlacegeoError as err:
        if path is not None and err.path is None:
            err.path = str(path)
        raise


class BlockResolver:
    """Resolve a block given by code or by name (case-insensitive) to its code, with suggestions."""

    def __init__(self, layer: Layer, path: Path | None):
        self.layer, self.path = layer, path
        self.codes = set(layer.codes)
        self.by_name: dict[str, list[str]] = {}
        for code, name in zip(layer.codes, layer.names, strict=True):
            self.by_name.setdefault(name.casefold().strip(), []).append(code)

    def __call__(self, block: Any, place: str) -> str:
        if isinstance(block, bool) or not isinstance(block, str | int):
            raise OptionError(f"block {block!r} in place '{place}' should be a code or a name", path=self.path)
        text = str(block).strip()
        if text in self.codes:
            return text
        matches = self.by_name.get(text.casefold(), [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise OptionError(f"block '{text}' in place '{place}' is ambiguous: it names {', '.join(matches)}; "
                              "use the code", path=self.path)
        pool = list(self.codes) + [n for codes in self.by_name.values() for n in codes]
        names = {n.casefold(): n for n in self.layer.names}
        close = difflib.get_close_matches(text.casefold(), list(names), n=3, cutoff=0.6)
        close = [names[c] for c in close] or difflib.get_close_matches(text, pool, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"see the codes in layer {self.layer.id}"
        raise OptionError(f"unknown block '{text}' in place '{place}' (layer {self.layer.id})", path=self.path,
                          hint=hint)


def _place(item: Any, resolve: BlockResolver, base: Path, path: Path | None) -> Place:
    _expect(item, dict, "each place", path)
    unknown = sorted(set(map(str, item)) - PLACE_KEYS)
    if unknown:
        raise OptionError(f"unknown key '{unknown[0]}' in a place (allowed: {', '.join(sorted(PLACE_KEYS))})",
                          path=path)
    name = item.get("name")
    if not isinstance(name, str | int) or isinstance(name, bool) or not str(name).strip():
        raise OptionError("a place has no name", path=path)
    name = str(name).strip()
    subunits = None
    if item.get("subunits") is not None:
        sub_raw = _expect(item["subunits"], dict, f"'subunits' of '{name}'", path)
        subunits = _from_mapping(sub_raw, base=base, path=path, blocks=resolve.layer, parent=name)
    raw_blocks = item.get("blocks")
    if raw_blocks is None and subunits is not None:
        codes = tuple(c for p in subunits.places for c in p.blocks)
    else:
        raw_blocks = [] if raw_blocks is None else raw_blocks
        _expect(raw_blocks, list, f"'blocks' of '{name}'", path)
        codes = tuple(resolve(b, name) for b in raw_blocks)
    if not codes:
        raise OptionError(f"place '{name}' is empty (no blocks)", path=path)
    if len(set(codes)) != len(codes):
        dup = next(c for c in codes if codes.count(c) > 1)
        raise OptionError(f"block {dup} is listed twice in place '{name}'", path=path)
    if subunits is not None:
        sub_codes = {c for p in subunits.places for c in p.blocks}
        if sub_codes != set(codes):
            raise OptionError(f"the sub-units of '{name}' do not tile it ({len(set(codes) ^ sub_codes)} blocks "
                              "differ)", path=path)
    return Place(name=name, blocks=codes, subunits=subunits)


def _check_places(places: list[Place], blocks: Layer, path: Path | None) -> None:
    seen_names: set[str] = set()
    owner: dict[str, str] = {}
    names = dict(zip(blocks.codes, blocks.names, strict=True))
    for place in places:
        if place.name in seen_names:
            raise OptionError(f"two places are named '{place.name}'", path=path)
        seen_names.add(place.name)
        for code in place.blocks:
            if code in owner:
                raise OptionError(f"block {code} ({names[code]}) is in two places: '{owner[code]}' and "
                                  f"'{place.name}'", path=path)
            owner[code] = place.name


def _place_frame(places: list[Place], blocks: Layer) -> gpd.GeoDataFrame:
    """One polygon per place: the union of its blocks (coverage union for bundled tiling layers)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    geoms = np.asarray(blocks.frame.geometry.values, dtype=object)
    position = dict(zip(blocks.frame[blocks.code].to_numpy(dtype=object).tolist(), range(len(geoms)), strict=True))
    union = shapely.coverage_union_all if blocks.entry is not None else shapely.union_all
    shapes = [union(geoms[[position[code] for code in p.blocks]]) for p in places]
    return gpd.GeoDataFrame({"place": [p.name for p in places]}, geometry=shapes, crs=blocks.frame.crs)


def _from_polygon_file(file: Path, *, place_column: str | None, name: str, description: str,
                       option_path: Path | None = None) -> Option:
    """An option drawn as polygons (e.g. in QGIS): one or more features per place name, dissolved."""
    import geopandas as gpd

    from placegeo.layers import layer_from_frame, read_frame

    frame = read_frame(file)
    column = place_column or guess_place_column(frame, file)
    if column not in frame.columns:
        raise OptionError(f"has no place column '{column}'", path=file)
    if frame[column].isna().any():
        raise OptionError(f"{int(frame[column].isna().sum())} feature(s) have no place name in '{column}'", path=file)
    frame[column] = frame[column].astype(str).str.strip()
    checked = layer_from_frame(frame, path=file, code=column, name=column, unique=False).frame
    dissolved = checked.dissolve(by=column, as_index=False, sort=False)
    names = dissolved[column].tolist()
    out = gpd.GeoDataFrame({"place": names}, geometry=dissolved.geometry.values, crs=dissolved.crs)
    places = [Place(name=n, blocks=()) for n in names]
    return Option(name=name, description=description, places=places, frame=out, blocks=None,
                  source=option_path or file)


def guess_place_column(frame: gpd.GeoDataFrame, file: Path) -> str:
    """The column of a drawn option that names each feature's place (``place`` or ``name``)."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for candidate in ("place", "Place", "PLACE", "name", "Name", "NAME"):
        if candidate in columns:
            return candidate
    raise OptionError(f"cannot tell which column names the places (columns: {', '.join(columns)})", path=file,
                      hint="add place_column: COLUMN to the option file")
