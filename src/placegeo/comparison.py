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

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
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
    """A place's size: population (None when not measured), area in km², its blocks, its band."""

    name: str
    population: float | None
    area_km2: float
    units: list[str]
    band: str = "unknown"
    subunits: list[PlaceSummary] = field(default_factory=list)


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
        from importlib.metadata import PackageNotFoundError, version

        try:
            ver = version("placegeo")
        except PackageNotFoundError:  # pragma: no cover
            ver = "unknown"
        s = self.settings
        return {
            "schema": SCHEMA_VERSION,
            "placegeo": ver,
            "settings": {
                "weights": list(s.weights), "primary_weight": s.primary, "tol": s.tol, "snap_m": s.snap,
                "population_layer": s.population_layer,
                "place_band": asdict(s.place_band), "neighbourhood_band": asdict(s.neighbourhood_band),
            },
            "layers": [asdict(layer) for layer in self.layers],
            "options": [_option_dict(opt, s) for opt in self.options],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The documented JSON document (docs/json-schema.md) as text; NaN and infinities become null."""
        import json

        return json.dumps(_clean(self.to_dict()), indent=indent, ensure_ascii=False, allow_nan=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """CSV views: ``scorecard``, ``splits``, ``places``, and ``overlap`` (long, all options × layers)."""
        from placegeo.compare_tables import tables

        return tables(self)


def _option_dict(opt: OptionResult, s: Settings) -> dict[str, Any]:
    layers = {}
    for layer_id, res in opt.results.items():
        layers[layer_id] = {
            "method": res.method,
            "coterminosity": dict(res.coterminosity),
            "units": len(res.units),
            "whole_units": len(res.units) - len(res.split_units),
            "outside_units": len(res.outside_units),
            "split_units": [
                {"code": u.code, "name": u.name, "shares": dict(u.parts), "population": u.inside.get("population"),
                 "area_km2": u.inside.get("area", 0.0) / 1e6, "best_fit": u.best_fit,
                 "moving": {k: (v / 1e6 if k == "area" else v) for k, v in u.moving.items()},
                 "shares_by_weight": u.shares}
                for u in res.split_units
            ],
            "coterminous_places": res.coterminous_places,
            "places": [asdict(p) for p in res.places],
            "boundary_match": res.boundary_match,
            "outside_footprint": [
                {"code": u.code, "name": u.name, "share": dict(u.outside),
                 "population": (u.total.get("population", 0.0) - u.inside.get("population", 0.0))
                 if "population" in u.total else None,
                 "area_km2": (u.total.get("area", 0.0) - u.inside.get("area", 0.0)) / 1e6}
                for u in res.outside_footprint
            ],
        }
    return {
        "name": opt.name,
        "description": opt.description,
        "source": opt.source,
        "footprint": {"population": opt.footprint.get("population"), "area_km2": opt.footprint["area"] / 1e6},
        "blocks": opt.blocks_layer,
        "unassigned": list(opt.unassigned),
        "unassigned_names": list(opt.unassigned_names),
        "places": [_place_dict(p) for p in opt.places],
        "layers": layers,
    }


def _place_dict(p: PlaceSummary) -> dict[str, Any]:
    out = {"name": p.name, "population": p.population, "area_km2": p.area_km2, "units": list(p.units),
           "band": p.band}
    if p.subunits:
        out["subunits"] = [_place_dict(s) for s in p.subunits]
    return out


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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
    that needs geometry after the overlap). Comparison-only layers and reference layers whose units
    overlap each other are refused (:class:`~placegeo.errors.UsageError`).
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
    from placegeo.overlaps import as_layer

    if isinstance(source, str) and is_bundled(source):
        return bundled_layer(source)  # shared and read-only: compare never changes a reference frame
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
    import numpy as np
    import shapely

    from placegeo.overlaps import intersection_areas

    places = np.asarray(option.frame.geometry.values, dtype=object)
    total = float(shapely.area(places).sum())
    if total <= 0:
        return 1.0
    pairs = intersection_areas(places, np.asarray(pop.frame.geometry.values, dtype=object))
    return min(1.0, float(np.sum(pairs.area)) / total)


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


class _Weighing:
    """Weights of an option's places, and overlaps with a reference layer, by the fastest exact path."""

    def __init__(self, option: Option, settings: Settings, pop: Layer | None):
        self.option = option
        self.settings = settings
        self.pop = pop
        self.places = [p.name for p in option.places]
        self.members = option.members() if option.atom_layer else None
        self.atom = option.atom_layer
        self.exact = self.members is not None and (pop is None or pop.id == self.atom)
        self._atom_weights = None

    def atom_weights(self) -> dict[str, pd.Series]:
        if self._atom_weights is None:
            from placegeo.population import weights_for

            self._atom_weights = weights_for(self.atom, self.pop)
        return self._atom_weights

    def place_weights(self) -> dict[str, pd.Series]:
        """w(P_j) per weight, exact over whole atoms when possible."""
        import pandas as pd

        out: dict[str, pd.Series] = {}
        if self.exact:
            from placegeo.overlaps import membership_matrix

            aw = self.atom_weights()
            every = {"all": frozenset(next(iter(aw.values())).index)}
            codes, _, sums = membership_matrix(self.members, every, aw)
            for key, m in sums.items():
                out[_key(key)] = pd.Series(m[:, 0], index=codes, dtype=float).reindex(self.places)
        else:
            geoms = self.option.frame.geometry.values
            out["area"] = pd.Series(geoms.area, index=self.places, dtype=float)
            if self.pop is not None:
                from placegeo.population import population_of

                out["population"] = pd.Series(population_of(geoms, self.pop), index=self.places, dtype=float)
        return {k: out[k] for k in self.settings.weights}

    def against(self, ref: Layer) -> tuple[str, dict[str, pd.DataFrame], dict[str, pd.Series]]:
        """(method, M per weight [units × places], w(R_i) per weight) for one reference layer."""
        from placegeo.membership import atom_layer, unit_members

        if self.exact and ref.entry is not None and atom_layer(ref.id) == self.atom:
            units = unit_members(ref.id)
            if units is not None:
                return ("membership", *self._by_membership(ref, units))
        return ("geometry", *self._by_geometry(ref))

    def _by_membership(self, ref: Layer, units) -> tuple[dict, dict]:
        import numpy as np
        import pandas as pd

        from placegeo.overlaps import membership_matrix

        weights = self.atom_weights()
        codes, places, matrices = membership_matrix(units, self.members, weights)
        order = [c for c in ref.codes if c in units]
        out, totals = {}, {}
        for key, m in matrices.items():
            frame = pd.DataFrame(m, index=codes, columns=places).reindex(index=order, columns=self.places,
                                                                          fill_value=0.0)
            out[_key(key)] = frame
        whole = membership_matrix(units, {"all": frozenset(weights[next(iter(weights))].index)}, weights)[2]
        for key, m in whole.items():
            totals[_key(key)] = pd.Series(np.asarray(m)[:, 0], index=codes).reindex(order)
        return ({k: out[k] for k in self.settings.weights}, {k: totals[k] for k in self.settings.weights})

    def _by_geometry(self, ref: Layer) -> tuple[dict, dict]:
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
        matrices, totals = {}, {}
        for key in self.settings.weights:
            m = long.pivot_table(index="unit", columns="place", values=key, aggfunc="sum", fill_value=0.0)
            matrices[key] = m.reindex(index=unit_codes, columns=self.places, fill_value=0.0)
        totals["area"] = pd.Series(shapely.area(ref_geoms[used]), index=unit_codes, dtype=float)
        if want_pop:
            totals["population"] = pd.Series(population_of(ref_geoms[used], self.pop), index=unit_codes,
                                             dtype=float)
        return matrices, {k: totals[k] for k in self.settings.weights}


def _key(atom_key: str) -> str:
    return "area" if atom_key == "area_m2" else atom_key


def _compare_option(option: Option, refs: list[Layer], settings: Settings, pop: Layer | None,
                    boundary: bool) -> OptionResult:
    weighing = _Weighing(option, settings, pop)
    internal = None
    if boundary:
        from placegeo.boundaries import internal_boundaries

        internal = internal_boundaries(option.frame.geometry.values)
    place_w = weighing.place_weights()
    footprint = {k: float(v.sum()) for k, v in place_w.items()}
    summaries = _place_summaries(option, place_w, settings, pop)
    results = {}
    for ref in refs:
        method, matrices, totals = weighing.against(ref)
        lengths = None
        if boundary:
            lengths = _boundary(option, ref, matrices, footprint, internal, settings.snap)
        results[ref.id] = _layer_result(option, ref, method, matrices, totals, place_w, footprint, settings,
                                        lengths)
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
    names = dict(zip(option.blocks.codes, option.blocks.names, strict=True))
    return [names.get(code, code) for code in codes]


def _place_summaries(option: Option, place_w: dict[str, pd.Series], settings: Settings,
                     pop: Layer | None) -> list[PlaceSummary]:
    out = []
    for place in option.places:
        population = float(place_w["population"][place.name]) if "population" in place_w else None
        area = _place_area(option, place.name, place_w)
        subunits: list[PlaceSummary] = []
        if place.subunits is not None:
            sub_w = _Weighing(place.subunits, settings, pop).place_weights()
            subunits = _place_summaries(place.subunits, sub_w, settings, pop)
        out.append(PlaceSummary(
            name=place.name, population=population, area_km2=area / 1e6, units=list(place.blocks),
            band=metrics.band_flag(population, settings.place_band) if population is not None else "unknown",
            subunits=subunits,
        ))
    return out


def _place_area(option: Option, name: str, place_w: dict[str, pd.Series]) -> float:
    if "area" in place_w:
        return float(place_w["area"][name])
    frame = option.frame
    return float(frame.geometry.area[frame["place"] == name].sum())


def _layer_result(option: Option, ref: Layer, method: str, matrices: dict[str, pd.DataFrame],
                  totals: dict[str, pd.Series], place_w: dict[str, pd.Series], footprint: dict[str, float],
                  settings: Settings, lengths: tuple | None) -> LayerResult:
    primary = settings.primary
    tol = settings.tol
    # units that reach into the footprint (by area, or by the primary weight when area is not measured)
    gate = matrices["area"] if "area" in matrices else matrices[primary]
    present = metrics.in_footprint(gate) > 0
    if not present.all():
        matrices = {k: m[present.reindex(m.index).fillna(False).to_numpy()] for k, m in matrices.items()}
    inside = {k: metrics.in_footprint(m) for k, m in matrices.items()}
    share = {k: metrics.shares(m) for k, m in matrices.items()}
    best, fit = {}, {}
    for k in matrices:
        best[k], fit[k] = metrics.best_fit(share[k])
    # a unit with no population inside F (e.g. an empty sliver) falls back to its area shares
    prim_best, prim_fit, prim_share = _primary(best, fit, share, primary, matrices[primary].index)
    whole = metrics.is_whole(prim_fit, tol)
    if "area" in matrices:
        _refuse_overlapping(ref, float(inside["area"].sum()), footprint["area"], tol)
    coterminosity = {k: metrics.coterminosity_index(inside[k], fit[k], footprint[k]) for k in matrices}
    moving = {k: metrics.moving(matrices[k], prim_best) for k in matrices}
    outside = {k: metrics.outside_share(inside[k], totals[k]) for k in matrices}
    outside_only = metrics.outside_only({k: inside[k] for k in matrices}, {k: totals[k] for k in matrices}, tol)
    names = _names(ref)
    # plain dicts once, not a pandas lookup per unit and weight
    inside_d = {k: v.to_dict() for k, v in inside.items()}
    totals_d = {k: v.to_dict() for k, v in totals.items()}
    outside_d = {k: v.to_dict() for k, v in outside.items()}
    moving_d = {k: v.to_dict() for k, v in moving.items()}
    share_d = {k: _row_dicts(v) for k, v in share.items()}
    prim_rows = _row_dicts(prim_share, keep_zero=True)
    best_d, fit_d, whole_d, only_d = prim_best.to_dict(), prim_fit.to_dict(), whole.to_dict(), outside_only.to_dict()
    units = []
    for code in matrices[primary].index:
        is_whole = bool(whole_d[code])
        units.append(UnitResult(
            code=str(code), name=names.get(code, str(code)),
            inside={k: float(inside_d[k][code]) for k in matrices},
            total={k: float(totals_d[k].get(code, float("nan"))) for k in matrices},
            outside={k: float(outside_d[k][code]) for k in matrices},
            shares={k: share_d[k][code] for k in matrices if code in share_d[k]},
            best_fit=str(best_d[code]), fit=float(fit_d[code]), whole=is_whole,
            parts=_parts(prim_rows[code], tol) if not is_whole else {str(best_d[code]): 1.0},
            moving={k: float(moving_d[k].get(code, 0.0)) for k in matrices},
            outside_only=bool(only_d.get(code, False)),
        ))
    # per place: exactness against the units whose best fit (primary weight) it is
    jacc = {k: metrics.exactness(matrices[k], prim_best, place_w[k]) for k in matrices}
    coterminous = metrics.is_coterminous(jacc[primary], tol)
    places = []
    for j, name in enumerate(option.place_names):
        match = metrics.boundary_match(lengths[1][j], lengths[0][j]) if lengths is not None else None
        places.append(PlaceFit(
            name=name, exactness={k: float(jacc[k][name]) for k in matrices},
            coterminous=bool(coterminous[name]), boundary_match=match,
            best_fit_units=[str(c) for c in prim_best.index[prim_best == name]],
        ))
    overall = None
    if lengths is not None and lengths[0].sum() > 0:
        overall = float(min(1.0, lengths[1].sum() / lengths[0].sum()))
    overlap_rows = _overlap_rows(matrices)
    return LayerResult(layer=ref.id, method=method, coterminosity=coterminosity, boundary_match=overall,
                       units=[u for u in units if not u.outside_only], places=places, overlap=overlap_rows,
                       outside_units=[u for u in units if u.outside_only])


def _names(ref: Layer) -> dict[str, str]:
    """Unit code -> name, once per reference layer object."""
    cached = ref.__dict__.get("_placegeo_names")
    if cached is None:
        cached = dict(zip(ref.codes, ref.names, strict=True))
        ref.__dict__["_placegeo_names"] = cached
    return cached


def _row_dicts(frame: pd.DataFrame, keep_zero: bool = False) -> dict[str, dict[str, float]]:
    """Row label -> {column: value} (values > 0 only unless ``keep_zero``), from one numpy pass."""
    values = frame.to_numpy(dtype=float)
    cols = [str(c) for c in frame.columns]
    out = {}
    for label, row in zip(frame.index, values, strict=True):
        out[label] = {c: float(v) for c, v in zip(cols, row, strict=True) if keep_zero or v > 0}
    return out


def _parts(row: dict[str, float], tol: float) -> dict[str, float]:
    """metrics.split_parts on a plain dict: places with share >= tol, largest first (stable)."""
    kept = [(p, v) for p, v in row.items() if v >= tol]
    return dict(sorted(kept, key=lambda item: -item[1]))


def _refuse_overlapping(ref: Layer, inside_area: float, footprint_area: float, tol: float) -> None:
    """The units' areas inside F add up to more than F: they overlap, and C would exceed 1."""
    if footprint_area > 0 and inside_area > footprint_area * (1 + max(tol, 1e-6)):
        share = inside_area / footprint_area - 1
        raise UsageError(f"reference layer {ref.id}: its units overlap each other ({_pct(share)} of the footprint "
                         "counted twice), so coterminosity would exceed 1", path=None if ref.entry else ref.source,
                         hint=f"run `placegeo validate {ref.source}` to find the overlaps")


def _primary(best, fit, share, primary, index):
    """Best fit, fit and shares by the primary weight; units with zero primary weight use area."""
    b, f, s = best[primary], fit[primary], share[primary]
    if primary == "area" or "area" not in best:
        return b.reindex(index), f.reindex(index), s.reindex(index).fillna(0.0)
    missing = index.difference(b.index)
    if len(missing):
        import pandas as pd

        b = pd.concat([b, best["area"].reindex(missing)])
        f = pd.concat([f, fit["area"].reindex(missing)])
        s = pd.concat([s, share["area"].reindex(missing)])
    return b.reindex(index), f.reindex(index), s.reindex(index).fillna(0.0)


_RINGS: dict[tuple[str, str, float], Any] = {}


def _unit_rings(ref: Layer, snap: float):
    """Each unit's band within ``snap`` of its boundary, kept per bundled layer so options share it."""
    if ref.entry is None:
        return None
    key = (ref.id, ref.source, snap)
    if key not in _RINGS:
        from placegeo.boundaries import boundary_rings

        _RINGS[key] = boundary_rings(ref.frame.geometry.values, snap)
    return _RINGS[key]


def _boundary(option: Option, ref: Layer, matrices: dict[str, pd.DataFrame], footprint: dict[str, float],
              internal, snap: float):
    """Boundary lengths of the places against ``ref``: per-unit bands when the units meeting the footprint
    cover all but 1 % of it (lines in the gaps are measured against the nearby boundaries only), else
    the band around the whole layer's boundaries."""
    import numpy as np

    from placegeo.boundaries import boundary_lengths

    places = option.frame.geometry.values
    frame = ref.frame
    m = matrices.get("area")
    if m is not None and footprint.get("area", 0) > 0:
        units = m.index[m.sum(axis=1) > 0]
        gap = 1.0 - float(m.to_numpy().sum()) / footprint["area"]
        if gap < 0.01:
            mask = frame[ref.code].astype(str).isin(set(map(str, units))).to_numpy()
            units_geoms = np.asarray(frame.geometry.values)[mask]
            rings = _unit_rings(ref, snap)
            return boundary_lengths(places, units_geoms, snap, internal=internal, covered=True, gaps=gap > 1e-9,
                                    rings=None if rings is None else rings[mask])
    return boundary_lengths(places, frame.geometry.values, snap, internal=internal)


def _overlap_rows(matrices: dict[str, pd.DataFrame]) -> list[OverlapRow]:
    import numpy as np

    area = matrices.get("area")
    popm = matrices.get("population")
    base = area if area is not None else popm
    values = base.to_numpy(dtype=float)
    ui, pj = np.nonzero(values > 0)
    units = np.asarray(base.index, dtype=object)
    places = np.asarray(base.columns, dtype=object)
    a = area.to_numpy(dtype=float)[ui, pj] if area is not None else np.full(len(ui), np.nan)
    p = popm.to_numpy(dtype=float)[ui, pj] if popm is not None else [None] * len(ui)
    return [OverlapRow(unit=str(u), place=str(pl), area_m2=float(x), population=None if y is None else float(y))
            for u, pl, x, y in zip(units[ui], places[pj], a, p, strict=True)]


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
