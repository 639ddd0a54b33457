"""Options × reference layers -> a :class:`Comparison`: plain data that every view reads.

The terminal scorecard, ``--format json``, the CSV tables, maps and reports are all views of one
Comparison, so they cannot disagree. Its shape (documented in docs/json-schema.md) is stable:

    Comparison
      settings: Settings                      weights, tol, snap, population layer, bands
      layers: list[LayerInfo]                 the reference layers (id, title, attribution)
      options: list[OptionResult]
        name, description, source, primary weight, footprint {weight: value}, unassigned blocks
        places: list[PlaceSummary]            name, population, area_km2, units (block codes), band, subunits
        frame: GeoDataFrame                   the places' polygons (EPSG:27700), for maps; not in JSON
        results: dict[layer id, LayerResult]
          coterminosity {weight: C}, method ("membership" | "geometry"), boundary_match
          units: list[UnitResult]             code, name, inside {w}, total {w}, outside {w}, shares {w: {place: s}},
                                              best_fit, fit, whole, parts (split list), moving {w}
          places: list[PlaceFit]              name, exactness {w}, coterminous, boundary_match, best_fit_units
          overlap: list[OverlapRow]           unit, place, area_m2, population  (the matrix M, long format)
          outside_units: list[UnitResult]     neighbours with < tol of them inside F: outside only, never split

Weights are keyed ``area`` (m² in EPSG:27700; km² in JSON place sizes) and ``population``. The
**primary** weight (population when computed, else area) decides whether a unit is whole or split.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo import metrics
from placegeo.errors import UsageError
from placegeo.metrics import NEIGHBOURHOOD_BAND, PLACE_BAND, Band

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from placegeo.layers import Layer
    from placegeo.options import Option

DEFAULT_AGAINST = ("lad21", "ccg21", "ctyua21")
WEIGHTS = {"area": ("area",), "population": ("population",), "both": ("area", "population")}
SCHEMA_VERSION = 1
COVERAGE_WARN = 0.99  # warn when the population layer covers less of an option's footprint area than this


class PopulationCoverageWarning(UserWarning):
    """The population layer covers only part of an option's footprint: populations there are undercounted."""


@dataclass(frozen=True)
class Settings:
    """How the comparison was measured."""

    weights: tuple[str, ...] = ("area", "population")
    tol: float = metrics.DEFAULT_TOL
    snap: float = metrics.DEFAULT_SNAP
    population_layer: str | None = None
    place_band: Band = PLACE_BAND
    neighbourhood_band: Band = NEIGHBOURHOOD_BAND

    @property
    def primary(self) -> str:
        """The weight that decides whole / split: population when measured, else area."""
        return "population" if "population" in self.weights else "area"


@dataclass
class LayerInfo:
    id: str
    title: str
    attribution: str | None = None


@dataclass
class PlaceSummary:
    """A place's size: population (None when not measured), area in km², its blocks, and where its
    population falls against the place band (``band``) and the neighbourhood band (``neighbourhood``):
    ``below``, ``within``, ``above`` or ``unknown``."""

    name: str
    population: float | None
    area_km2: float
    units: list[str]
    band: str = "unknown"
    subunits: list[PlaceSummary] = field(default_factory=list)
    neighbourhood: str = "unknown"


@dataclass
class UnitResult:
    """One reference unit against one option (weights keyed ``area`` / ``population``)."""

    code: str
    name: str
    inside: dict[str, float]          # w(R_i ∩ F)
    total: dict[str, float]           # w(R_i)
    outside: dict[str, float]         # 1 - w(R_i ∩ F) / w(R_i)
    shares: dict[str, dict[str, float]]  # weight -> place -> s[i, j]
    best_fit: str                     # j*(i), by the primary weight
    fit: float                        # b_i, by the primary weight
    whole: bool
    parts: dict[str, float]           # split list: place -> share >= tol (primary weight), largest first
    moving: dict[str, float]          # w(R_i ∩ F) * (1 - b_i) per weight
    outside_only: bool = False        # w(R_i ∩ F) < tol * w(R_i) for every weight: a neighbour, not a split

    @property
    def split(self) -> bool:
        """Split between places: not whole, and not a neighbour only touching the footprint (outside_only)."""
        return not self.whole and not self.outside_only


@dataclass
class PlaceFit:
    """One place against one reference layer."""

    name: str
    exactness: dict[str, float]       # Jaccard J_j per weight
    coterminous: bool                 # J_j >= 1 - tol for the primary weight
    boundary_match: float | None      # share of internal boundary within snap of R's boundaries
    best_fit_units: list[str]         # codes of U_j


@dataclass
class OverlapRow:
    unit: str
    place: str
    area_m2: float
    population: float | None = None


@dataclass
class LayerResult:
    """One option against one reference layer."""

    layer: str
    method: str                       # "membership" (exact, over shared LSOAs) or "geometry"
    coterminosity: dict[str, float]   # C per weight
    boundary_match: float | None      # over all places, length-weighted
    units: list[UnitResult]           # units meeting the footprint (neighbours lying outside it excluded)
    places: list[PlaceFit]
    overlap: list[OverlapRow]
    outside_units: list[UnitResult] = field(default_factory=list)  # outside_only: < tol of them inside F

    @property
    def split_units(self) -> list[UnitResult]:
        return [u for u in self.units if u.split]

    @property
    def coterminous_places(self) -> int:
        return sum(p.coterminous for p in self.places)

    @property
    def outside_footprint(self) -> list[UnitResult]:
        """Units with some of their weight outside the footprint, the outside-only neighbours included."""
        return [u for u in [*self.units, *self.outside_units] if max(u.outside.values(), default=0.0) > 0]

    def split_weight(self, weight: str) -> float:
        """Total weight inside F of the split units."""
        return float(sum(u.inside.get(weight, 0.0) for u in self.split_units))


@dataclass
class OptionResult:
    name: str
    description: str
    source: str | None
    footprint: dict[str, float]       # w(F) per weight
    places: list[PlaceSummary]
    unassigned: list[str]
    results: dict[str, LayerResult]
    frame: Any = field(default=None, repr=False)  # GeoDataFrame (place, geometry), EPSG:27700
    blocks_layer: str | None = None   # id of the building-block layer (None for a drawn option)
    unassigned_names: list[str] = field(default_factory=list)  # names of the blocks in no place


@dataclass
class Comparison:
    """Options compared with reference layers: the single object every view reads."""

    settings: Settings
    layers: list[LayerInfo]
    options: list[OptionResult]

    def option(self, name: str) -> OptionResult:
        """The result of the option called ``name`` (KeyError when there is none)."""
        for opt in self.options:
            if opt.name == name:
                return opt
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON document (docs/json-schema.md) as plain Python data."""
        from placegeo.compare_json import comparison_dict

        return comparison_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        """The documented JSON document (docs/json-schema.md) as text; NaN and infinities become null."""
        import json

        from placegeo.compare_json import clean

        return json.dumps(clean(self.to_dict()), indent=indent, ensure_ascii=False, allow_nan=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """CSV views: ``scorecard``, ``splits``, ``places``, and ``overlap`` (long, all options × layers)."""
        from placegeo.compare_tables import tables

        return tables(self)


# --------------------------------------------------------------------------------------------------
# computing a Comparison


def compare(
    options: Iterable[Any],
    against: Sequence[str | Path] = DEFAULT_AGAINST,
    *,
    weight: str = "both",
    tol: float = metrics.DEFAULT_TOL,
    snap: float = metrics.DEFAULT_SNAP,
    population: Any = None,
    place_band: Band = PLACE_BAND,
    neighbourhood_band: Band = NEIGHBOURHOOD_BAND,
    boundary: bool = True,
    subunits: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Comparison:
    """Compare options (paths, mappings or loaded Options) with reference layers (ids or paths).

    ``weight`` is ``area``, ``population`` or ``both``; population comes from ``population`` (a
    small-area layer). By default it follows the layers: the region default of the options' bundled
    blocks (``lsoa11`` for L&SC, ``england/lsoa21`` for England), or for options drawn in a user's file
    the bundled population layer covering most of the footprint. When the population layer covers less
    than 99 % of an option's footprint area, ``warn`` is called with one line (default: a
    :class:`PopulationCoverageWarning`). ``tol`` is the whole/split and coterminous tolerance, ``snap``
    the boundary-match distance in metres. ``boundary=False`` skips the boundary match (the only metric
    that needs geometry after the overlap). With ``subunits``, the sub-units of every place that has
    them (e.g. Lancashire's delivery units) are compared too, each set as an option of its own after the
    options given. Comparison-only layers and reference layers whose units overlap each other are
    refused (:class:`~placegeo.errors.UsageError`).
    """
    if weight not in WEIGHTS:
        raise UsageError(f"unknown weight '{weight}'", hint="use area, population or both")
    if not 0 <= tol < 0.5:
        raise UsageError(f"tolerance {tol} is out of range", hint="use a share such as 0.01 (1 %)")
    if snap < 0:
        raise UsageError("--snap must be zero or more metres")
    warn = warn or _warn
    weights = WEIGHTS[weight]
    loaded = [_load_option(o) for o in options]
    if not loaded:
        raise UsageError("no option to compare", hint="name at least one option file")
    if subunits:
        from placegeo.options import with_subunits

        loaded = with_subunits(loaded)
    names = [o.name for o in loaded]
    if len(set(names)) != len(names):
        raise UsageError(f"two options share the name '{next(n for n in names if names.count(n) > 1)}'",
                         hint="give each option a distinct name")
    known = {o.blocks.id: o.blocks for o in loaded if o.blocks is not None and o.blocks.entry is not None}
    refs = [known.get(a) if isinstance(a, str) and a in known else _load_reference(a) for a in against]
    if not refs:
        raise UsageError("no reference layer", hint="pass --against LAYER (e.g. lad21)")
    for ref in refs:
        check_reference(ref, tol)
        if ref.entry is not None and ref.entry.caveat:  # best-fit, modelled or separately generalised
            warn(ref.entry.caveat)
    pop = None
    if "population" in weights:
        from placegeo.population import population_layer

        pop = population_layer(population) if population is not None else default_population(loaded, refs)
        for option in loaded:
            covered = population_coverage(option, pop)
            if covered < COVERAGE_WARN:
                warn(f"population layer {pop.id} covers only {_pct(covered)} of the footprint of '{option.name}' "
                     f"(by area): people outside it are not counted; pass --population with a layer that covers "
                     f"it (e.g. england/lsoa21)")
    settings = Settings(weights=weights, tol=tol, snap=snap, population_layer=pop.id if pop else None,
                        place_band=place_band, neighbourhood_band=neighbourhood_band)
    infos = [LayerInfo(r.id, r.title, r.attribution) for r in refs]
    results = [_compare_option(o, refs, settings, pop, boundary) for o in loaded]
    return Comparison(settings=settings, layers=infos, options=results)


def _warn(message: str) -> None:
    warnings.warn(message, PopulationCoverageWarning, stacklevel=3)


def _pct(share: float) -> str:
    return f"{share:.1%}" if share < 0.995 else f"{share:.2%}"


def _load_option(source: Any) -> Option:
    from placegeo.options import Option, load_option

    return source if isinstance(source, Option) else load_option(source)


def _load_reference(source: Any) -> Layer:
    from placegeo.catalogue import is_bundled
    from placegeo.layers import bundled_layer

    if isinstance(source, str) and is_bundled(source):
        return bundled_layer(source)  # shared and read-only: compare never changes a reference frame
    from placegeo.overlaps import as_layer

    return as_layer(source)


# --------------------------------------------------------------------------------------------------
# which population layer, and whether a reference layer can be measured against


def default_population(options: Sequence[Option], refs: Sequence[Layer] = ()) -> Layer:
    """The population layer that follows the layers (see :func:`compare`)."""
    from placegeo.catalogue import default_population_layer, population_layers
    from placegeo.population import population_layer

    blocks = [o.blocks.entry for o in options if o.blocks is not None and o.blocks.entry is not None]
    if len(blocks) == len(options):
        regions = {e.region for e in blocks}
        region = "lsc" if regions == {"lsc"} else sorted(regions - {"lsc"})[0]
        return population_layer(default_population_layer(region))
    # options drawn in the user's own files: the bundled layer covering most of every footprint,
    # trying the region defaults of the other layers involved first
    regions = [e.region for e in blocks] + [r.entry.region for r in refs if r.entry is not None]
    first = [default_population_layer(r) for r in dict.fromkeys(regions)]
    best: tuple[float, Layer] | None = None
    for layer_id in dict.fromkeys(first + population_layers()):
        layer = population_layer(layer_id)
        covered = min(population_coverage(o, layer) for o in options)
        if covered >= COVERAGE_WARN:
            return layer
        if best is None or covered > best[0]:
            best = (covered, layer)
    return best[1]


def population_coverage(option: Option, pop: Layer) -> float:
    """Share of the option's footprint area that the population layer's small areas cover.

    1 when the option is built of the population layer's own atoms, or of a bundled layer of the same
    catalogue region (the bundled layers of a region cover the same ground); otherwise measured.
    """
    blocks = option.blocks.entry if option.blocks is not None else None
    if option.atom_layer == pop.id:
        return 1.0
    if blocks is not None and pop.entry is not None and blocks.region == pop.entry.region:
        return 1.0
    from placegeo.population import covered_share

    return covered_share(option.frame.geometry.values, pop)


def check_reference(layer: Layer, tol: float = metrics.DEFAULT_TOL) -> None:
    """Refuse a layer that cannot be a reference layer: a comparison-only bundled layer, or a user's
    layer whose units overlap each other by more than ``tol`` of their area (coterminosity would exceed 1)."""
    from placegeo.catalogue import comparison_only

    why = comparison_only(layer.entry)
    if why:
        raise UsageError(f"{layer.id} cannot be a reference layer: {why}",
                         hint="draw it with `placegeo map --overlay`; measure against a layer that tiles the area")
    if layer.entry is not None:
        return
    share = self_overlap(layer.frame.geometry.values)
    if share > max(tol, 1e-6):
        raise UsageError(f"reference layer {layer.id}: its units overlap each other ({_pct(share)} of their area), "
                         "so coterminosity would exceed 1", path=layer.source,
                         hint=f"run `placegeo validate {layer.source}` to find the overlaps")


def self_overlap(geoms: Any) -> float:
    """(sum of unit areas - area of their union) / union area: 0 for a layer whose units tile.

    Only the units whose interiors meet another's (found with a spatial index) are unioned.
    """
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) < 2:
        return 0.0
    tree = shapely.STRtree(geoms)
    a1, b1 = tree.query(geoms, predicate="overlaps")
    a2, b2 = tree.query(geoms, predicate="contains")
    a, b = np.concatenate([a1, a2]), np.concatenate([b1, b2])
    involved = np.unique(np.concatenate([a[a != b], b[a != b]]))
    areas = shapely.area(geoms)
    total = float(areas.sum())
    if not len(involved) or total <= 0:
        return 0.0
    excess = float(areas[involved].sum()) - float(shapely.area(shapely.union_all(geoms[involved])))
    return max(0.0, excess) / max(total - excess, 1e-9)


class _Overlap:
    """The overlap matrices M[i, j] = w(R_i ∩ P_j) (rows ``units``, columns the option's places in order)
    and w(R_i) per weight, as numpy arrays: pandas costs more than the sums themselves here."""

    __slots__ = ("units", "values", "totals")

    def __init__(self, units: list[str], values: dict[str, Any], totals: dict[str, Any]):
        self.units = units                # unit codes, one per row
        self.values = values              # weight -> float array [units × places]
        self.totals = totals              # weight -> float array [units]


class _Weighing:
    """Weights of an option's places, and overlaps with a reference layer, by the fastest exact path."""

    def __init__(self, option: Option, settings: Settings, pop: Layer | None):
        self.option = option
        self.settings = settings
        self.pop = pop
        self.places = [p.name for p in option.places]
        self.atom = option.atom_layer
        self.members = option.members() if self.atom else None
        self.exact = self.members is not None and (pop is None or pop.id == self.atom)
        self._place_owner = None

    def _atoms(self) -> tuple[Layer, dict[str, int], dict[str, Any]]:
        """(atom layer, atom code -> position, weight -> per-atom array) for the weights measured."""
        from placegeo.population import atom_arrays, atom_source

        source = atom_source(self.atom, self.pop)
        index, arrays = atom_arrays(source)
        return source, index, {k: arrays[k] for k in self.settings.weights}

    def _owner(self):
        """For each atom, the position of the place holding it (-1 for none)."""
        if self._place_owner is None:
            from placegeo.membership import owner_array

            self._place_owner = owner_array(self.members, self._atoms()[1])[1]
        return self._place_owner

    def place_weights(self) -> dict[str, Any]:
        """w(P_j) per weight (arrays in place order), exact over whole atoms when possible."""
        import numpy as np

        n = len(self.places)
        if self.exact:
            owner = self._owner()
            ok = owner >= 0
            return {k: np.bincount(owner[ok], weights=w[ok], minlength=n) for k, w in self._atoms()[2].items()}
        import shapely

        geoms = np.asarray(self.option.frame.geometry.values, dtype=object)
        out = {"area": shapely.area(geoms).astype(float)}
        if self.pop is not None:
            from placegeo.population import population_of

            out["population"] = np.asarray(population_of(geoms, self.pop), dtype=float)
        return {k: out[k] for k in self.settings.weights}

    def against(self, ref: Layer) -> tuple[str, _Overlap]:
        """(method, overlap matrices and unit totals) for one reference layer."""
        from placegeo.membership import atom_layer, unit_members

        if self.exact and ref.entry is not None and atom_layer(ref.id) == self.atom:
            units = unit_members(ref.id)
            if units is not None:
                return "membership", self._by_membership(ref, units)
        return "geometry", self._by_geometry(ref)

    def _by_membership(self, ref: Layer, units) -> _Overlap:
        """Sums over shared atoms: M by one bincount per weight, w(R_i) from the layer's own atoms."""
        import numpy as np

        source, index, weights = self._atoms()
        codes, unit_owner = _unit_owner(source, index, ref.id, units)
        order = _table_order(ref, codes)
        place_owner = self._owner()
        n_units, n_places = len(codes), len(self.places)
        both = (unit_owner >= 0) & (place_owner >= 0)
        cell = unit_owner[both] * n_places + place_owner[both]
        mine = unit_owner >= 0
        values, totals = {}, {}
        for key, w in weights.items():
            m = np.bincount(cell, weights=w[both], minlength=n_units * n_places).reshape(n_units, n_places)
            values[key] = m[order]
            totals[key] = np.bincount(unit_owner[mine], weights=w[mine], minlength=n_units)[order]
        return _Overlap([codes[i] for i in order], values, totals)

    def _by_geometry(self, ref: Layer) -> _Overlap:
        import numpy as np
        import pandas as pd
        import shapely

        from placegeo.overlaps import intersection_areas
        from placegeo.population import population_of, population_of_pieces

        ref_geoms = np.asarray(ref.frame.geometry.values, dtype=object)
        place_geoms = np.asarray(self.option.frame.geometry.values, dtype=object)
        want_pop = "population" in self.settings.weights
        pairs = intersection_areas(ref_geoms, place_geoms, geometry=want_pop)
        codes = np.asarray(ref.codes)
        places = np.asarray(self.places, dtype=object)
        used = np.unique(pairs.left)
        unit_codes = codes[used].tolist()
        long = pd.DataFrame({"unit": codes[pairs.left], "place": places[pairs.right], "area": pairs.area})
        if want_pop:
            long["population"] = population_of_pieces(pairs, self.pop, len(pairs.area))
        values, totals = {}, {}
        for key in self.settings.weights:
            m = long.pivot_table(index="unit", columns="place", values=key, aggfunc="sum", fill_value=0.0)
            values[key] = m.reindex(index=unit_codes, columns=self.places, fill_value=0.0).to_numpy(dtype=float)
        totals["area"] = np.asarray(shapely.area(ref_geoms[used]), dtype=float)
        if want_pop:
            totals["population"] = np.asarray(population_of(ref_geoms[used], self.pop), dtype=float)
        return _Overlap([str(c) for c in unit_codes], values, {k: totals[k] for k in self.settings.weights})


def _unit_owner(source: Layer, index: dict[str, int], layer_id: str, units) -> tuple[list[str], Any]:
    """owner_array of a bundled layer's units over the atoms of ``source``, once per (atom layer object, layer)."""
    owners = source.derived.setdefault("unit_owners", {})
    key = (layer_id, id(units))
    if key not in owners:
        from placegeo.membership import owner_array

        owners[key] = owner_array(units, index)
    return owners[key]


def _table_order(ref: Layer, codes: list[str]) -> Any:
    """Rows of ``codes`` in the reference layer's frame order (codes not in the frame left out)."""
    import numpy as np

    position = dict(zip(codes, range(len(codes)), strict=True))
    return np.asarray([position[c] for c in ref.codes if c in position], dtype=np.int64)


def _compare_option(option: Option, refs: list[Layer], settings: Settings, pop: Layer | None,
                    boundary: bool) -> OptionResult:
    weighing = _Weighing(option, settings, pop)
    internal = None
    if boundary:
        from placegeo.boundaries import internal_boundaries

        # places built by coverage union of a bundled layer's blocks (options._place_frame) tile exactly
        tiled = option.blocks is not None and option.blocks.entry is not None
        internal = internal_boundaries(option.frame.geometry.values, coverage=tiled)
    place_w = weighing.place_weights()
    footprint = {k: float(v.sum()) for k, v in place_w.items()}
    footprint.setdefault("area", float(option.frame.geometry.area.sum()))  # reported whatever the weight
    summaries = _place_summaries(option, place_w, settings, pop)
    results = {}
    for ref in refs:
        method, overlap = weighing.against(ref)
        lengths = None
        if boundary:
            lengths = _boundary(option, ref, overlap, footprint, internal, settings.snap)
        results[ref.id] = _layer_result(option, ref, method, overlap, place_w, footprint, settings, lengths)
    frame = option.frame
    return OptionResult(
        name=option.name, description=option.description,
        source=str(option.source) if option.source else None,
        footprint=footprint, places=summaries, unassigned=list(option.unassigned), results=results,
        frame=frame, blocks_layer=option.blocks.id if option.blocks is not None else None,
        unassigned_names=_block_names(option, option.unassigned),
    )


def _block_names(option: Option, codes: list[str]) -> list[str]:
    """Names of some of the option's blocks, in the order of ``codes``."""
    if option.blocks is None or not codes:
        return []
    names = _names(option.blocks)
    return [names.get(code, code) for code in codes]


def _place_summaries(option: Option, place_w: dict[str, Any], settings: Settings,
                     pop: Layer | None) -> list[PlaceSummary]:
    out = []
    for j, place in enumerate(option.places):
        population = float(place_w["population"][j]) if "population" in place_w else None
        area = _place_area(option, j, place.name, place_w)
        subunits: list[PlaceSummary] = []
        if place.subunits is not None:
            sub_w = _Weighing(place.subunits, settings, pop).place_weights()
            subunits = _place_summaries(place.subunits, sub_w, settings, pop)
        out.append(PlaceSummary(
            name=place.name, population=population, area_km2=area / 1e6, units=list(place.blocks),
            band=metrics.band_flag(population, settings.place_band) if population is not None else "unknown",
            subunits=subunits,
            neighbourhood=(metrics.band_flag(population, settings.neighbourhood_band) if population is not None
                           else "unknown"),
        ))
    return out


def _place_area(option: Option, j: int, name: str, place_w: dict[str, Any]) -> float:
    if "area" in place_w:
        return float(place_w["area"][j])
    frame = option.frame
    return float(frame.geometry.area[frame["place"] == name].sum())


def _layer_result(option: Option, ref: Layer, method: str, overlap: _Overlap, place_w: dict[str, Any],
                  footprint: dict[str, float], settings: Settings, lengths: tuple | None) -> LayerResult:
    """The metrics of docs/metrics.md for one option against one layer, each from :mod:`placegeo.metrics`."""
    import numpy as np

    primary = settings.primary
    tol = settings.tol
    matrices, totals, codes = overlap.values, overlap.totals, overlap.units
    # units that reach into the footprint (by area, or by the primary weight when area is not measured)
    gate = matrices["area"] if "area" in matrices else matrices[primary]
    present = gate.sum(axis=1) > 0
    if not present.all():
        rows = np.flatnonzero(present)
        matrices = {k: m[rows] for k, m in matrices.items()}
        totals = {k: t[rows] for k, t in totals.items()}
        codes = [codes[i] for i in rows]
    n = len(codes)
    place_names = option.place_names
    inside = {k: metrics.in_footprint(m) for k, m in matrices.items()}
    keep, share, best, fit = {}, {}, {}, {}
    for k, m in matrices.items():
        share[k], keep[k] = metrics.shares(m)
        best[k], fit[k] = metrics.best_fit(share[k])
    # the primary weight decides best fit; a unit with none of it inside F (an empty sliver) uses area
    prim_best = np.zeros(n, dtype=np.int64)
    prim_fit = np.full(n, np.nan)
    prim_share = np.zeros((n, len(place_names)))
    sources = [primary] + (["area"] if primary != "area" and "area" in matrices else [])
    for k in reversed(sources):
        prim_best[keep[k]], prim_fit[keep[k]], prim_share[keep[k]] = best[k], fit[k], share[k]
    whole = metrics.is_whole(prim_fit, tol)
    if "area" in matrices:
        _refuse_overlapping(ref, float(inside["area"].sum()), footprint["area"], tol)
    coterminosity = {k: metrics.coterminosity_index(inside[k][keep[k]], fit[k], footprint[k]) for k in matrices}
    moving = {k: metrics.moving(m, prim_best) for k, m in matrices.items()}
    outside = {k: metrics.outside_share(inside[k], totals[k]) for k in matrices}
    only = metrics.outside_only(inside, totals, tol)
    names = _names(ref)
    keys = list(matrices)
    inside_l = {k: v.tolist() for k, v in inside.items()}
    totals_l = {k: v.tolist() for k, v in totals.items()}
    outside_l = {k: v.tolist() for k, v in outside.items()}
    moving_l = {k: v.tolist() for k, v in moving.items()}
    share_d = {}
    for k in keys:  # unit -> {place: share > 0}, for the units with weight k inside F
        rows = np.flatnonzero(keep[k]).tolist()
        share_d[k] = {i: {place_names[j]: v for j, v in enumerate(row) if v > 0}
                      for i, row in zip(rows, share[k].tolist(), strict=True)}
    prim_rows = prim_share.tolist()
    best_l, fit_l, whole_l, only_l = prim_best.tolist(), prim_fit.tolist(), whole.tolist(), only.tolist()
    units = []
    for i, code in enumerate(codes):
        is_whole = bool(whole_l[i])
        best_name = place_names[best_l[i]]
        units.append(UnitResult(
            code=str(code), name=names.get(code, str(code)),
            inside={k: inside_l[k][i] for k in keys},
            total={k: totals_l[k][i] for k in keys},
            outside={k: outside_l[k][i] for k in keys},
            shares={k: share_d[k][i] for k in keys if i in share_d[k]},
            best_fit=best_name, fit=fit_l[i], whole=is_whole,
            parts=metrics.split_parts(dict(zip(place_names, prim_rows[i], strict=True)), tol) if not is_whole
            else {best_name: 1.0},
            moving={k: moving_l[k][i] for k in keys},
            outside_only=bool(only_l[i]),
        ))
    # per place: exactness against the units whose best fit (primary weight) it is
    jacc = {k: metrics.exactness(m, prim_best, place_w[k]).tolist() for k, m in matrices.items()}
    places = []
    for j, name in enumerate(place_names):
        match = metrics.boundary_match(lengths[1][j], lengths[0][j]) if lengths is not None else None
        places.append(PlaceFit(
            name=name, exactness={k: jacc[k][j] for k in keys},
            coterminous=bool(metrics.is_coterminous(jacc[primary][j], tol)), boundary_match=match,
            best_fit_units=[str(codes[i]) for i in range(n) if best_l[i] == j],
        ))
    overall = None
    if lengths is not None and lengths[0].sum() > 0:
        overall = float(min(1.0, lengths[1].sum() / lengths[0].sum()))
    overlap_rows = _overlap_rows(matrices, codes, place_names)
    return LayerResult(layer=ref.id, method=method, coterminosity=coterminosity, boundary_match=overall,
                       units=[u for u in units if not u.outside_only], places=places, overlap=overlap_rows,
                       outside_units=[u for u in units if u.outside_only])


def _names(ref: Layer) -> dict[str, str]:
    """Unit code -> name, once per reference layer object."""
    if "name_of" not in ref.derived:
        ref.derived["name_of"] = dict(zip(ref.codes, ref.names, strict=True))
    return ref.derived["name_of"]


def _refuse_overlapping(ref: Layer, inside_area: float, footprint_area: float, tol: float) -> None:
    """The units' areas inside F add up to more than F: they overlap, and C would exceed 1."""
    if footprint_area > 0 and inside_area > footprint_area * (1 + max(tol, 1e-6)):
        share = inside_area / footprint_area - 1
        raise UsageError(f"reference layer {ref.id}: its units overlap each other ({_pct(share)} of the footprint "
                         "counted twice), so coterminosity would exceed 1", path=None if ref.entry else ref.source,
                         hint=f"run `placegeo validate {ref.source}` to find the overlaps")


def _unit_rings(ref: Layer, snap: float, mask):
    """The band within ``snap`` of its boundary of each unit in ``mask``, kept with a bundled layer so options
    share it (computed only for the units asked for: a national layer has hundreds the footprint never meets)."""
    import numpy as np

    if ref.entry is None:
        return None
    from placegeo.boundaries import boundary_rings

    rings = ref.derived.setdefault(f"rings@{snap:g}", np.full(len(ref.frame), None, dtype=object))
    todo = mask & np.equal(rings, None)
    if todo.any():
        rings[todo] = boundary_rings(np.asarray(ref.frame.geometry.values)[todo], snap)
    return rings[mask]


def _boundary(option: Option, ref: Layer, overlap: _Overlap, footprint: dict[str, float], internal, snap: float):
    """Boundary lengths of the places against ``ref``: per-unit bands when the units meeting the footprint
    cover all but 1 % of it (lines in the gaps are measured against the nearby boundaries only), else
    the band around the whole layer's boundaries."""
    import numpy as np

    from placegeo.boundaries import boundary_lengths

    places = option.frame.geometry.values
    frame = ref.frame
    m = overlap.values.get("area")
    if m is not None and footprint.get("area", 0) > 0:
        used = {overlap.units[i] for i in np.flatnonzero(m.sum(axis=1) > 0)}
        gap = 1.0 - float(m.sum()) / footprint["area"]
        if gap < 0.01:
            mask = np.fromiter((c in used for c in ref.codes), dtype=bool, count=len(frame))
            units_geoms = np.asarray(frame.geometry.values)[mask]
            return boundary_lengths(places, units_geoms, snap, internal=internal, covered=True, gaps=gap > 1e-9,
                                    rings=_unit_rings(ref, snap, mask))
    return boundary_lengths(places, frame.geometry.values, snap, internal=internal)


def _overlap_rows(matrices: dict[str, Any], codes: list[str], place_names: list[str]) -> list[OverlapRow]:
    import numpy as np

    area = matrices.get("area")
    popm = matrices.get("population")
    base = area if area is not None else popm
    ui, pj = np.nonzero(base > 0)
    a = area[ui, pj].tolist() if area is not None else [float("nan")] * len(ui)
    p = popm[ui, pj].tolist() if popm is not None else [None] * len(ui)
    return [OverlapRow(unit=str(codes[u]), place=str(place_names[j]), area_m2=x, population=y)
            for u, j, x, y in zip(ui.tolist(), pj.tolist(), a, p, strict=True)]


def option_frames(comparison: Comparison) -> dict[str, gpd.GeoDataFrame]:
    """Each option's places with their sizes, ready to write as GeoPackage (EPSG:27700)."""
    out = {}
    for opt in comparison.options:
        frame = opt.frame.copy()
        sizes = {p.name: p for p in opt.places}
        frame["population"] = [sizes[n].population for n in frame["place"]]
        frame["area_km2"] = [sizes[n].area_km2 for n in frame["place"]]
        frame["band"] = [sizes[n].band for n in frame["place"]]
        out[opt.name] = frame
    return out
