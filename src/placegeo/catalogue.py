"""The bundled layers: ids, files, columns, vintages and licence lines.

Read from ``data/boundaries/catalogue.yaml`` plus any ``catalogue.d/*.yaml`` fragments (built by
separate scripts, e.g. the PCN layer), in that order.

Every entry says how far its polygons can be trusted (``exactness``):

* ``exact`` -- a union of whole atoms (LSOAs) by an official lookup, so it nests exactly in its atom layer
  and in every other layer built of the same atoms;
* ``best-fit`` -- a union of whole atoms by a best-fit lookup (e.g. wards, which do not nest in LSOAs);
* ``modelled`` -- a union of whole atoms chosen by a model (e.g. PCN footprints from practice locations);
* ``published`` -- polygons as a publisher drew them (an atom layer, or a separately generalised product).

``caveat`` is one sentence the tool prints wherever a layer that is not exact is used.

A layer with ``blocks`` (or ``members_file`` and ``members_layer``) and no ``file`` has no file of its own:
:func:`placegeo.layers.bundled_layer` dissolves it from its atom layer on first use and caches the result.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from placegeo.errors import LayerError

CATALOGUE_FILE = "catalogue.yaml"


@dataclass(frozen=True)
class Blocks:
    """How a layer is built: the union of ``layer`` rows grouped by that layer's column ``key``."""

    layer: str
    key: str


@dataclass(frozen=True)
class Entry:
    """One bundled layer as the catalogue describes it."""

    id: str
    title: str
    region: str
    file: str | None
    layer: str
    code: str
    name: str
    kind: str
    geometry: str
    vintage: str
    publisher: str
    licence: str
    features: int
    crs: str = "EPSG:27700"
    population: str | None = None
    population_vintage: str | None = None
    blocks: Blocks | None = None
    built_from: str = ""
    notes: str = ""
    exactness: str = "published"
    caveat: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """Absolute path of the layer's file (of its atom layer's file when it is dissolved on use)."""
        if not self.file:
            atom = self.blocks.layer if self.blocks else self.extra.get("members_layer")
            if atom and atom != self.id:
                return get_entry(atom).path
        return data_dir() / "boundaries" / (self.file or "")

    @property
    def dissolved(self) -> bool:
        """True when the layer has no file: it is dissolved from its atom layer on first use."""
        return not self.file and (self.blocks is not None or bool(self.extra.get("members_layer")))

    @property
    def members_path(self) -> Path | None:
        """The CSV of atom code -> unit code for a ``members_file`` layer, else None."""
        members = self.extra.get("members_file")
        return data_dir() / "boundaries" / members if members else None


def data_dir() -> Path:
    """Where the bundled ``boundaries/`` and ``options/`` live.

    ``PLACEGEO_DATA`` wins; then data packed into an installed wheel; then the repository's ``data/``.
    """
    env = os.environ.get("PLACEGEO_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data", here.parent.parent / "data"):
        if (candidate / "boundaries" / CATALOGUE_FILE).exists():
            return candidate
    return here.parent.parent / "data"


_FIELDS = {f for f in Entry.__dataclass_fields__ if f != "extra"}


def _entry(raw: dict[str, Any]) -> Entry:
    known = {k: v for k, v in raw.items() if k in _FIELDS}
    extra = {k: v for k, v in raw.items() if k not in _FIELDS}
    blocks = known.pop("blocks", None)
    for key in ("population", "population_vintage"):
        known[key] = known.get(key) or None
    known.setdefault("file", None)  # a layer dissolved from its atoms on use may leave ``file`` out
    for key in ("built_from", "notes", "caveat"):
        known[key] = known.get(key) or ""
    default = "exact" if blocks else "modelled" if extra.get("members_file") else "published"
    known["exactness"] = known.get("exactness") or default
    return Entry(**known, blocks=Blocks(**blocks) if blocks else None, extra=extra)


@functools.cache
def load_catalogue() -> dict[str, Entry]:
    """All bundled layers by id, in catalogue order."""
    import yaml

    root = data_dir() / "boundaries"
    paths = [root / CATALOGUE_FILE, *sorted((root / "catalogue.d").glob("*.yaml"))]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser: ~20x faster on the catalogue
    entries: dict[str, Entry] = {}
    for path in paths:
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
        except OSError as exc:
            raise LayerError(f"cannot read the bundled catalogue: {exc.strerror}", path=path) from None
        entries.update((item["id"], _entry(item)) for item in raw["layers"])
        if isinstance(raw.get("default_population_layer"), dict):
            _REGION_POPULATION.update(raw["default_population_layer"])
        if isinstance(raw.get("study_area"), dict):
            _STUDY_AREA.update(raw["study_area"])
        if isinstance(raw.get("default_against"), dict):
            _REGION_AGAINST.update({k: list(v) for k, v in raw["default_against"].items()})
    return entries


_REGION_POPULATION: dict[str, str] = {"lsc": "lsoa11", "england": "england/lsoa21"}
_STUDY_AREA: dict[str, str] = {}


def study_area(region: str) -> str | None:
    """The layer whose units frame a review of an option built of ``region``'s blocks (``england`` ->
    ``england/icb24``: an option is reviewed inside the ICBs it touches), or None (the whole blocks layer)."""
    catalogue = load_catalogue()
    layer_id = _STUDY_AREA.get(region)
    return layer_id if layer_id in catalogue else None
_REGION_AGAINST: dict[str, list[str]] = {"lsc": ["lad21", "ctyua21", "ccg21"]}


def get_entry(layer_id: str) -> Entry:
    """The catalogue entry for ``layer_id``, with the nearest ids suggested when it is unknown."""
    catalogue = load_catalogue()
    if layer_id in catalogue:
        return catalogue[layer_id]
    close = difflib.get_close_matches(layer_id, list(catalogue), n=3)
    hint = f"did you mean {', '.join(close)}?" if close else "see `placegeo layers`"
    raise LayerError(f"no bundled layer '{layer_id}' and no such file", hint=hint)


def is_bundled(source: str) -> bool:
    """True when ``source`` names a catalogue entry rather than a file."""
    return source in load_catalogue()


def default_population_layer(region: str = "lsc") -> str:
    """The small-area population layer used when none is named, for layers of catalogue ``region``.

    From the catalogue's ``default_population_layer`` table (``lsc`` -> ``lsoa11``, ``england`` ->
    ``england/lsoa21``); any other region gets the England-wide layer.
    """
    load_catalogue()
    return _REGION_POPULATION.get(region, _REGION_POPULATION.get("england", "england/lsoa21"))


def default_against(region: str = "lsc") -> list[str]:
    """The reference layers compared with when none are named, for an option of catalogue ``region``.

    From the catalogue's top-level ``default_against`` table (region -> layer ids); without one, the
    L&SC districts, councils and CCGs for ``lsc``, and for another region its bundled layers of those
    kinds (and sub-ICBs and PCNs) that are not comparison-only."""
    catalogue = load_catalogue()
    if region in _REGION_AGAINST:
        return [i for i in _REGION_AGAINST[region] if i in catalogue] or list(_REGION_AGAINST[region])
    kinds = ("ctyua", "lad", "ccg", "sicbl", "pcn")
    found = [e for e in catalogue.values() if e.region == region and e.kind in kinds and not comparison_only(e)]
    latest: dict[str, str] = {}
    for e in found:  # the last of each kind in catalogue order (the latest vintage)
        latest[e.kind] = e.id
    return [latest[k] for k in kinds if k in latest] or list(_REGION_AGAINST["lsc"])


def population_layers() -> list[str]:
    """Bundled small-area population layers (LSOAs with a population column), the region defaults first."""
    catalogue = load_catalogue()
    defaults = [v for v in _REGION_POPULATION.values() if v in catalogue]
    others = [e.id for e in catalogue.values() if e.kind == "lsoa" and e.population and e.id not in defaults]
    return list(dict.fromkeys(defaults + others))


def comparison_only(entry: Entry | None) -> str | None:
    """Why a bundled layer must not be a reference layer (``comparison_only: true``), else None."""
    if entry is None or not entry.extra.get("comparison_only"):
        return None
    return "its polygons overlap and leave gaps (comparison only: draw it, do not measure against it)"


# --------------------------------------------------------------------------------------------------
# writing the catalogue (the build scripts under scripts/)

RECORD_KEYS = ("id", "title", "region", "file", "layer", "code", "name", "kind", "geometry", "vintage", "publisher",
               "licence", "features", "population", "population_vintage", "blocks", "built_from", "exactness",
               "caveat", "notes", "crs")


def entry_record(entry: Entry) -> dict[str, Any]:
    """``entry`` as the mapping ``catalogue.yaml`` holds: the keys of :data:`RECORD_KEYS` in that order, then
    the extra keys; :func:`load_catalogue` reads it back as the same Entry."""
    record: dict[str, Any] = {key: getattr(entry, key) for key in RECORD_KEYS}
    record["blocks"] = {"layer": entry.blocks.layer, "key": entry.blocks.key} if entry.blocks else None
    return record | entry.extra


def merge_licences(lines: Iterable[str]) -> str:
    """Attribution lines joined one per line, dropping repeats and lines another line already says
    (``v.3.0`` is read as ``v3.0``)."""

    def norm(text: str) -> str:
        return text.replace("v.3.0", "v3.0")

    kept: list[str] = []
    for line in lines:
        if not any(norm(other).startswith(norm(line).rstrip(".")) for other in kept):
            kept.append(line)
    return "\n".join(kept)


def catalogue_yaml(data: dict[str, Any]) -> str:
    """YAML text of a catalogue mapping, keys in the given order, multi-line strings (licences) as literal
    blocks, so the generated file reads like a hand-written one."""
    import yaml

    class LiteralDumper(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML ships no type hints
        """SafeDumper writing multi-line strings as ``|`` blocks."""

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

    LiteralDumper.add_representer(str, text)
    return str(yaml.dump(data, Dumper=LiteralDumper, sort_keys=False, allow_unicode=True, width=110))
