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

from placegeo.errors import OptionError

if TYPE_CHECKING:
    import geopandas as gpd

    from placegeo.layers import Layer

# The option-file format lives with its parser; these names stay importable from here.
from placegeo.option_file import (  # noqa: E402,F401
    MAX_BYTES,
    OPTION_KEYS,
    OPTION_SUFFIXES,
    PLACE_KEYS,
    BlockResolver,
    OptionSpec,
    blocks_layer,
    read_option_text,
)


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
    level: str | None = None  # as the option file says (``level:``), else None: see :attr:`neighbourhoods`

    @property
    def neighbourhoods(self) -> bool:
        """Whether the places are neighbourhoods (checked against the neighbourhood band, not the place band):
        the option file says ``level: neighbourhood``, or, saying nothing, is built from a PCN layer."""
        if self.level is not None:
            return self.level == "neighbourhood"
        return self.blocks is not None and self.blocks.entry is not None and self.blocks.entry.kind == "pcn"

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
        if self.atom_layer is None or self.blocks is None:
            return None
        from placegeo.membership import members_of

        out: dict[str, frozenset[str]] = {}
        for place in self.places:
            members = members_of(self.blocks.id, place.blocks)
            if members is None:
                return None
            out[place.name] = members
        return out

    @property
    def has_subunits(self) -> bool:
        """True when at least one place is split into sub-units (e.g. delivery units)."""
        return any(p.subunits is not None for p in self.places)


def load_option(source: str | Path | Mapping[str, Any], *, blocks: Layer | None = None) -> Option:
    """Read and resolve an option file (YAML or TOML), a mapping, or a polygon file with place names.

    The rules are checked by :func:`placegeo.option_file.parse_option`, the one parser that
    ``placegeo validate --option`` uses too; the first problem it finds is raised as an
    :class:`OptionError` (with its ``line`` when known).

    ``FILE#PLACE`` is the sub-units of one place of the option in FILE, as an option of their own
    (e.g. ``lsc-four-places-2022.yaml#Lancashire``: the three delivery units), so that they can be
    compared, mapped and reported like any option.
    """
    from placegeo.option_file import parse_option

    if not isinstance(source, Mapping):
        path = Path(source)
        if not path.exists() and "#" in str(source):
            file, _, place = str(source).rpartition("#")
            if not file:
                raise OptionError("names no option file before '#' (FILE#PLACE)", path=path)
            return subunits_of(load_option(file, blocks=blocks), place, path=Path(file))
    spec = parse_option(source, blocks=blocks)
    if spec.diagnostics:
        raise spec.diagnostics[0].error(spec.path)
    return option_from_spec(spec)


def option_from_spec(spec: OptionSpec) -> Option:
    """The resolved :class:`Option` of a parsed option file without problems (place polygons built)."""
    if spec.file is not None:
        path = spec.path if spec.path != spec.file else None
        drawn = drawn_option(spec.file, place_column=spec.place_column, name=spec.name,
                             description=spec.description, option_path=path, crs=spec.crs)
        drawn.level = spec.level
        return drawn
    blocks = spec.blocks
    assert blocks is not None  # a parsed option without problems names its blocks layer or its drawing
    places = [Place(name=p.name, blocks=p.blocks,
                    subunits=option_from_spec(p.subunits) if p.subunits is not None else None)
              for p in spec.places]
    assigned = {code for p in places for code in p.blocks}
    unassigned = [c for c in _reviewed_blocks(blocks, assigned) if c not in assigned]
    return Option(name=spec.name, description=spec.description, places=places,
                  frame=_place_frame(places, blocks), blocks=blocks, source=spec.path, unassigned=unassigned,
                  level=spec.level)


def _reviewed_blocks(blocks: Layer, assigned: set[str]) -> list[str]:
    """The blocks an option is reviewed against: all of a study-area layer (L&SC), or for national blocks
    those inside the catalogue's study-area units (ICBs) that hold the option's blocks."""
    from placegeo.catalogue import study_area

    area_id = study_area(blocks.entry.region) if blocks.entry is not None else None
    if area_id is not None:
        from placegeo.membership import blocks_in_study_area

        inside = blocks_in_study_area(blocks.id, assigned, area_id)
        if inside is not None:
            return [c for c in blocks.codes if c in inside]
    return blocks.codes


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


def drawn_option(file: Path, *, place_column: str | None, name: str, description: str,
                 option_path: Path | None = None, crs: str | None = None) -> Option:
    """An option drawn as polygons (e.g. in QGIS): one or more features per place name, dissolved.

    The drawing is checked like any boundary file (CRS, polygons, valid geometries unless ``--repair``);
    ``crs`` (the option file's ``crs:``) is its CRS when the file declares none.
    """
    import geopandas as gpd

    from placegeo.layers import layer_from_frame, read_frame, reading

    frame = read_frame(file)
    column = place_column_of(frame, file, place_column)
    frame[column] = frame[column].astype(str).str.strip()
    with reading(crs=crs):
        checked = layer_from_frame(frame, path=file, code=column, name=column, unique=False).frame
    dissolved = checked.dissolve(by=column, as_index=False, sort=False)
    names = dissolved[column].tolist()
    out = gpd.GeoDataFrame({"place": names}, geometry=dissolved.geometry.values, crs=dissolved.crs)
    places = [Place(name=n, blocks=()) for n in names]
    return Option(name=name, description=description, places=places, frame=out, blocks=None,
                  source=option_path or file)


def place_column_of(frame: gpd.GeoDataFrame, file: Path, place_column: str | None) -> str:
    """The column of a drawn option naming each feature's place: given, or guessed; every feature must have one.

    ``compare`` and ``validate`` both ask here, so they refuse (or report) the same drawings.
    """
    column = place_column or guess_place_column(frame, file)
    if column not in frame.columns:
        raise OptionError(f"has no place column '{column}'", path=file)
    if frame[column].isna().any():
        raise OptionError(f"{int(frame[column].isna().sum())} feature(s) have no place name in '{column}'", path=file)
    return column


def guess_place_column(frame: gpd.GeoDataFrame, file: Path) -> str:
    """The column of a drawn option that names each feature's place (``place`` or ``name``)."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for candidate in ("place", "Place", "PLACE", "name", "Name", "NAME"):
        if candidate in columns:
            return candidate
    raise OptionError(f"cannot tell which column names the places (columns: {', '.join(columns)})", path=file,
                      hint="add place_column: COLUMN to the option file")
