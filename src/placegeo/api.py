"""The one orchestration layer: load layers and options, weigh, assess, return typed results.

The CLI, the notebook and library callers all come here. Nothing here draws or writes a file: the views
(:mod:`placegeo.render`, :mod:`placegeo.compare_json`, :mod:`placegeo.compare_tables`) render what it returns.

    options, layers ──load──▶ Option, Layer ──weigh (weighing.py)──▶ Matrix ──assess (assess.py)──▶ LayerResult
                                                                                     └──▶ Comparison (results.py)

How files are read (I/O engine, ``repair``) is passed here explicitly (:class:`CompareSettings`, or the
``engine=`` / ``repair=`` keywords) and holds for every file read during the call
(:func:`placegeo.layers.reading`); there is no environment variable.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo import metrics
from placegeo.errors import UsageError
from placegeo.metrics import NEIGHBOURHOOD_BAND, PLACE_BAND, Band
from placegeo.results import (
    Comparison,
    LayerInfo,
    LayerResult,
    OptionResult,
    PlaceSummary,
    Settings,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from placegeo.layers import Layer
    from placegeo.options import Option
    from placegeo.weighing import Matrix, Weighing

DEFAULT_AGAINST = ("lad21", "ccg21", "ctyua21")
"""The L&SC reference layers (kept for callers that name them; the default now follows the option's region)."""
WEIGHTS = {"area": ("area",), "population": ("population",), "both": ("area", "population")}
COVERAGE_WARN = 0.99
"""Warn when a layer (population or reference) covers less of an option's footprint area than this."""
COVERAGE_REFUSE = 0.01
"""Refuse a reference layer meeting less of an option's footprint area than this: it is for another area."""

Warn = Callable[[str], None]


class PopulationCoverageWarning(UserWarning):
    """The population layer covers only part of an option's footprint: populations there are undercounted."""


class ReferenceCoverageWarning(UserWarning):
    """A reference layer covers only part of an option's footprint: it is scored over the part it covers."""


@dataclass(frozen=True)
class CompareSettings:
    """Everything that decides a comparison, in one value (defaults from :mod:`placegeo.metrics`)."""

    weight: str = "both"                          # area, population or both
    tol: float = metrics.DEFAULT_TOL              # whole / split and coterminous tolerance (a share)
    snap: float = metrics.DEFAULT_SNAP            # boundary-match distance, metres
    population: Any = None                        # small-area population layer (id, path, Layer); None: the policy
    place_band: Band = PLACE_BAND
    neighbourhood_band: Band = NEIGHBOURHOOD_BAND
    boundary: bool = True                         # measure the boundary match
    subunits: bool = False                        # compare every place's sub-units too
    engine: str | None = None                     # I/O engine for boundary files: pyogrio or fiona (None: as set)
    repair: bool | None = None                    # mend invalid geometries instead of refusing them (None: as set)

    @property
    def weights(self) -> tuple[str, ...]:
        return WEIGHTS[self.weight]

    def check(self) -> None:
        """Refuse values that cannot be measured with (one line each)."""
        if self.weight not in WEIGHTS:
            raise UsageError(f"unknown weight '{self.weight}'", hint="use area, population or both")
        if not 0 <= self.tol < 0.5:
            raise UsageError(f"tolerance {self.tol} is out of range", hint="use a share such as 0.01 (1 %)")
        if self.snap < 0:
            raise UsageError("--snap must be zero or more metres")


@contextmanager
def reading(settings: CompareSettings) -> Iterator[None]:
    """Every file read inside the block uses the settings' engine and repair; no full garbage collection
    pauses it (see :func:`no_collection_pauses`)."""
    from placegeo.layers import reading as layer_reading

    with layer_reading(settings.engine, settings.repair), no_collection_pauses():
        yield


@contextmanager
def no_collection_pauses() -> Iterator[None]:
    """Python's cyclic garbage collector switched off inside the block, as it was before after it.

    Reading layers and weighing allocate many objects that live on (frames, codes, geometries): each
    collection then walks them all, about 30 ms per England compare, and finds no cycle to free.
    Objects are still freed by reference counting; any cycle is collected after the block."""
    import gc

    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


# --------------------------------------------------------------------------------------------------
# compare


def compare(
    options: Iterable[Any],
    against: Sequence[Any] | None = None,
    *,
    weight: str = "both",
    tol: float = metrics.DEFAULT_TOL,
    snap: float = metrics.DEFAULT_SNAP,
    population: Any = None,
    place_band: Band = PLACE_BAND,
    neighbourhood_band: Band = NEIGHBOURHOOD_BAND,
    boundary: bool = True,
    subunits: bool = False,
    engine: str | None = None,
    repair: bool | None = None,
    settings: CompareSettings | None = None,
    warn: Warn | None = None,
) -> Comparison:
    """Compare options (paths, mappings or loaded Options) with reference layers.

    A reference is a bundled id, a boundary file, or another option (``B.yaml``, ``B.yaml#Lancashire``, an
    Option): its places are then the units, code = place name. Without ``against``, the reference layers of
    the options' own region (:func:`placegeo.catalogue.default_against`). ``weight`` is ``area``,
    ``population`` or ``both``; population comes from ``population`` or follows the layers
    (:func:`placegeo.population.population_for`); when it covers under 99 % of a footprint ``warn`` is
    called (default: a :class:`PopulationCoverageWarning`). ``tol`` is the whole/split and coterminous
    tolerance, ``snap`` the boundary-match distance in metres; ``boundary=False`` skips the boundary match.
    With ``subunits`` the sub-units of every place that has them are compared too, each set as an option
    after the options given. ``engine`` and ``repair`` say how files are read. ``settings`` gives all of
    these at once (the keywords are then ignored).

    A reference layer meeting under 1 % of an option's footprint is refused, with the bundled layer of the
    option's region suggested; one covering only part of it is scored over the part it covers, with a
    warning that states the coverage. Comparison-only layers and reference layers whose units overlap
    each other are refused (:class:`~placegeo.errors.UsageError`).
    """
    settings = settings or CompareSettings(weight=weight, tol=tol, snap=snap, population=population,
                                           place_band=place_band, neighbourhood_band=neighbourhood_band,
                                           boundary=boundary, subunits=subunits, engine=engine, repair=repair)
    settings.check()
    with reading(settings):
        loaded = load_options(options, subunits=settings.subunits)
        return compare_loaded(loaded, against, settings, warn)


def compare_loaded(loaded: list[Option], against: Sequence[Any] | None, settings: CompareSettings,
                   warn: Warn | None = None) -> Comparison:
    """:func:`compare` on options already loaded (and with their sub-units, when wanted)."""
    settings.check()
    warn = warn or _warn
    with reading(settings):
        names = [o.name for o in loaded]
        if len(set(names)) != len(names):
            raise UsageError(f"two options share the name '{next(n for n in names if names.count(n) > 1)}'",
                             hint="give each option a distinct name")
        refs = load_references(loaded, against if against else default_against(loaded))
        for ref in refs:
            check_reference(ref, settings.tol)
            if ref.entry is not None and ref.entry.caveat:  # best-fit, modelled or separately generalised
                warn(f"{ref.id}: {ref.entry.caveat}")
        pop = choose_population(loaded, refs, settings, warn)
        measured = Settings(weights=settings.weights, tol=settings.tol, snap=settings.snap,
                            population_layer=pop.id if pop else None, place_band=settings.place_band,
                            neighbourhood_band=settings.neighbourhood_band)
        infos = [LayerInfo(r.id, r.title, r.attribution) for r in refs]
        results = [compare_option(o, refs, measured, pop, settings.boundary, warn) for o in loaded]
    return Comparison(settings=measured, layers=infos, options=results)


def _warn(message: str) -> None:
    category: type[UserWarning] = PopulationCoverageWarning if message.startswith("population") \
        else ReferenceCoverageWarning
    warnings.warn(message, category, stacklevel=4)


def _pct(share: float) -> str:
    return f"{share:.1%}" if share < 0.995 else f"{share:.2%}"


# --------------------------------------------------------------------------------------------------
# loading


def load_options(options: Iterable[Any], *, subunits: bool = False) -> list[Option]:
    """Options from paths, ``FILE#PLACE``, mappings or Options; with ``subunits``, their sub-units after them."""
    from placegeo.options import Option, load_option, with_subunits

    if isinstance(options, (str, Path, Option)):
        options = [options]
    loaded = [o if isinstance(o, Option) else load_option(o) for o in options]
    if not loaded:
        raise UsageError("no option to compare", hint="name at least one option file")
    return with_subunits(loaded) if subunits else loaded


def is_option_source(source: Any) -> bool:
    """True when a reference names an option (an Option, an option file, or ``FILE#PLACE``) not a layer."""
    from placegeo.option_file import OPTION_SUFFIXES
    from placegeo.options import Option

    if isinstance(source, Option):
        return True
    if not isinstance(source, (str, Path)):
        return False
    text = str(source)
    if not Path(text).exists() and "#" in text:
        text = text.rpartition("#")[0]
    return Path(text).suffix.lower() in OPTION_SUFFIXES


def load_references(options: Sequence[Option], against: Sequence[Any]) -> list[Layer]:
    """The reference layers: bundled ids (the options' own blocks layer object reused), files, or options."""
    known = {o.blocks.id: o.blocks for o in options if o.blocks is not None and o.blocks.entry is not None}
    refs = [known[a] if isinstance(a, str) and a in known else load_reference(a) for a in against]
    if not refs:
        raise UsageError("no reference layer", hint="pass --against LAYER (e.g. lad21)")
    return refs


def load_reference(source: Any) -> Layer:
    """One reference layer from a bundled id, a boundary file, a Layer, a GeoDataFrame or an option."""
    from placegeo.catalogue import is_bundled
    from placegeo.layers import as_layer, bundled_layer

    if is_option_source(source):
        from placegeo.options import Option, load_option
        from placegeo.weighing import option_layer

        option = source if isinstance(source, Option) else load_option(source)
        return option_layer(option, _option_id(source, option))
    if isinstance(source, str) and is_bundled(source):
        return bundled_layer(source)  # shared and read-only: compare never changes a reference frame
    return as_layer(source)


def _option_id(source: Any, option: Option) -> str:
    """The id an option has as a reference layer: its file's stem (``stem#Place`` for sub-units)."""
    if isinstance(source, (str, Path)):
        text = str(source)
        file, hash_, place = text.rpartition("#") if "#" in text and not Path(text).exists() else (text, "", "")
        return f"{Path(file).stem}{hash_}{place}"
    return Path(option.source).stem if option.source else option.name


def default_against(options: Sequence[Option]) -> list[str]:
    """The reference layers of the options' own catalogue region (the non-L&SC one when they mix)."""
    from placegeo.catalogue import default_against as region_layers

    return region_layers(option_region(options))


def option_region(options: Sequence[Option]) -> str:
    """The catalogue region of the options: their blocks layer's, else the region whose population layer
    covers their footprints (:func:`placegeo.population.population_for`)."""
    regions = {o.blocks.entry.region for o in options if o.blocks is not None and o.blocks.entry is not None}
    if regions:
        return "lsc" if regions == {"lsc"} else sorted(regions - {"lsc"})[0]
    from placegeo.population import population_for

    pop = population_for(options=options)
    return pop.entry.region if pop.entry is not None else "england"


# --------------------------------------------------------------------------------------------------
# checks on the inputs


def check_reference(layer: Layer, tol: float = metrics.DEFAULT_TOL) -> None:
    """Refuse a layer that cannot be a reference layer: a comparison-only bundled layer, or a user's
    layer whose units overlap each other by more than ``tol`` of their area (coterminosity would exceed 1)."""
    from placegeo.catalogue import comparison_only

    why = comparison_only(layer.entry)
    if why:
        raise UsageError(f"{layer.id} cannot be a reference layer: {why}",
                         hint="draw it with `placegeo map --overlay`; measure against a layer that tiles the area")
    if layer.entry is not None or "members" in layer.derived:
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


def choose_population(options: Sequence[Option], refs: Sequence[Layer], settings: CompareSettings,
                      warn: Warn) -> Layer | None:
    """The population layer (None when population is not measured), with a warning per option it undercounts."""
    if "population" not in settings.weights:
        return None
    from placegeo.population import coverage, population_for

    pop = population_for(refs, settings.population, options=options)
    for option in options:
        covered = coverage(option, pop)
        if covered < COVERAGE_WARN:
            warn(f"population layer {pop.id} covers only {_pct(covered)} of the footprint of '{option.name}' "
                 f"(by area): people outside it are not counted; pass --population with a layer that covers "
                 f"it (e.g. england/lsoa21)")
    return pop


def default_population(options: Sequence[Option], refs: Sequence[Layer] = ()) -> Layer:
    """The population layer that follows the layers (:func:`placegeo.population.population_for`)."""
    from placegeo.population import population_for

    return population_for(refs, options=options)


def reference_coverage(matrix: Matrix, footprint: dict[str, float]) -> float:
    """Share of the footprint the reference layer's units cover: by area, or by population when only
    population is measured (1 for an empty footprint)."""
    key = "area" if "area" in matrix.values else next(iter(matrix.values))
    whole = footprint.get(key, 0.0)
    if whole <= 0:
        return 1.0
    return min(1.0, float(matrix.values[key].sum()) / whole)


def _refuse_elsewhere(ref: Layer, option: Option, covered: float) -> None:
    """A reference layer meeting (almost) none of the footprint belongs to another area: refuse it."""
    suggestion = _same_kind_in_region(ref, option)
    hint = f"did you mean {suggestion}?" if suggestion else "pass --against a layer covering the option's area"
    raise UsageError(f"{ref.id} covers {covered:.0%} of the footprint of '{option.name}'", hint=hint)


def _same_kind_in_region(ref: Layer, option: Option) -> str | None:
    """The bundled layer of the option's region of the same kind as ``ref`` (same id ending first)."""
    from placegeo.catalogue import load_catalogue

    if ref.kind is None:
        return None
    region = option_region([option])
    catalogue = load_catalogue()
    same = [e.id for e in catalogue.values() if e.region == region and e.kind == ref.kind and e.id != ref.id]
    tail = ref.id.rpartition("/")[2]
    # exact layers before separately generalised publications, then the same id ending (lad21 -> england/lad21)
    same.sort(key=lambda i: (catalogue[i].exactness == "published", i.rpartition("/")[2] != tail))
    return same[0] if same else None


def _refuse_overlapping(ref: Layer, inside_area: float, footprint_area: float, tol: float) -> None:
    """The units' areas inside F add up to more than F: they overlap, and C would exceed 1."""
    if footprint_area > 0 and inside_area > footprint_area * (1 + max(tol, 1e-6)):
        share = inside_area / footprint_area - 1
        raise UsageError(f"reference layer {ref.id}: its units overlap each other ({_pct(share)} of the footprint "
                         "counted twice), so coterminosity would exceed 1", path=None if ref.entry else ref.source,
                         hint=f"run `placegeo validate {ref.source}` to find the overlaps")


# --------------------------------------------------------------------------------------------------
# one option against every reference layer


def compare_option(option: Option, refs: Sequence[Layer], settings: Settings, pop: Layer | None,
                   boundary: bool, warn: Warn | None = None) -> OptionResult:
    """One option weighed once and assessed against each reference layer."""
    from placegeo.assess import assess
    from placegeo.weighing import Weighing, option_tiling

    warn = warn or _warn
    weighing = Weighing(option_tiling(option), settings.weights, pop)
    internal = None
    memo: dict[Any, Any] = {}  # boundary lengths by the units measured against (see _boundary)
    if boundary:
        from placegeo.boundaries import internal_boundaries

        # places built by coverage union of a bundled layer's blocks (options._place_frame) tile exactly
        tiled = option.blocks is not None and option.blocks.entry is not None
        internal = internal_boundaries(option.frame.geometry.values, coverage=tiled)
    place_w = weighing.place_weights()
    footprint = {k: float(v.sum()) for k, v in place_w.items()}
    footprint.setdefault("area", float(option.frame.geometry.area.sum()))  # reported whatever the weight
    summaries = place_summaries(option, place_w, settings, pop)
    results: dict[str, LayerResult] = {}
    for ref in refs:
        matrix = weighing.against(ref)
        covered = reference_coverage(matrix, footprint)
        scored_w, scored_f = place_w, footprint
        if covered < COVERAGE_REFUSE:
            _refuse_elsewhere(ref, option, covered)
        if covered < COVERAGE_WARN:  # scored over the part the layer covers, never as if it covered all
            by = "area" if "area" in matrix.values else "population"
            warn(f"reference layer {ref.id} covers only {_pct(covered)} of the footprint of '{option.name}' "
                 f"(by {by}): it is scored over the part it covers")
            scored_w = {k: m.sum(axis=0) for k, m in matrix.values.items()}
            scored_f = {**footprint, **{k: float(v.sum()) for k, v in scored_w.items()}}
        if "area" in matrix.values:
            _refuse_overlapping(ref, float(matrix.values["area"].sum()), scored_f["area"], settings.tol)
        lengths = _boundary(option, ref, matrix, scored_f, internal, settings.snap, memo) if boundary else None
        results[ref.id] = assess(matrix, settings, layer=ref.id, place_weights=scored_w, footprint=scored_f,
                                 unit_names=_names(ref), lengths=lengths, coverage=covered)
    return OptionResult(
        name=option.name, description=option.description,
        source=str(option.source) if option.source else None,
        footprint=footprint, places=summaries, unassigned=list(option.unassigned), results=results,
        frame=option.frame, blocks_layer=option.blocks.id if option.blocks is not None else None,
        unassigned_names=_block_names(option, option.unassigned),
    )


def _block_names(option: Option, codes: list[str]) -> list[str]:
    """Names of some of the option's blocks, in the order of ``codes``."""
    if option.blocks is None or not codes:
        return []
    names = _names(option.blocks)
    return [names.get(code, code) for code in codes]


def place_summaries(option: Option, place_w: dict[str, np.ndarray], settings: Settings,
                    pop: Layer | None) -> list[PlaceSummary]:
    """Each place's population, area, blocks, guidance bands and sub-units."""
    from placegeo.weighing import Weighing, option_tiling

    out = []
    for j, place in enumerate(option.places):
        population = float(place_w["population"][j]) if "population" in place_w else None
        area = _place_area(option, j, place.name, place_w)
        subunits: list[PlaceSummary] = []
        if place.subunits is not None:
            sub_w = Weighing(option_tiling(place.subunits), settings.weights, pop).place_weights()
            subunits = place_summaries(place.subunits, sub_w, settings, pop)
        out.append(PlaceSummary(
            name=place.name, population=population, area_km2=area / 1e6, units=list(place.blocks),
            band=metrics.band_flag(population, settings.place_band) if population is not None else "unknown",
            subunits=subunits,
            neighbourhood=(metrics.band_flag(population, settings.neighbourhood_band) if population is not None
                           else "unknown"),
        ))
    return out


def _place_area(option: Option, j: int, name: str, place_w: dict[str, np.ndarray]) -> float:
    if "area" in place_w:
        return float(place_w["area"][j])
    frame = option.frame
    return float(frame.geometry.area[frame["place"] == name].sum())


def _names(ref: Layer) -> dict[str, str]:
    """Unit code -> name, once per reference layer object."""
    if "name_of" not in ref.derived:
        ref.derived["name_of"] = dict(zip(ref.codes, ref.names, strict=True))
    names: dict[str, str] = ref.derived["name_of"]
    return names


def _unit_keys(ref: Layer, mask: Any) -> Any:
    """Content keys (:func:`placegeo.boundaries.unit_keys`) of a bundled layer's units in ``mask``, kept
    with the layer (None for a layer that is not bundled)."""
    import numpy as np

    from placegeo.boundaries import unit_keys

    if ref.entry is None:
        return None
    keys = ref.derived.setdefault("unit_keys", np.full(len(ref.frame), None, dtype=object))
    todo = mask & np.asarray([key is None for key in keys], dtype=bool)
    if todo.any():
        keys[todo] = unit_keys(np.asarray(ref.frame.geometry.values)[todo])
    return keys[mask]


def _unit_rings(ref: Layer, snap: float, mask: Any) -> Any:
    """The bands within ``snap`` of their boundary of the units in ``mask``, kept with a bundled
    layer so options share them, and stored on disk beside the dissolved layers (a CLI run reads them, not
    rebuilds them). Only the units asked for: a national layer has hundreds the footprint never meets."""
    import numpy as np

    from placegeo.boundaries import stored_rings
    from placegeo.layers import cache_dir

    if ref.entry is None:
        return None
    keys = _unit_keys(ref, mask)
    rings = ref.derived.setdefault(f"rings@{snap:g}", np.full(len(ref.frame), None, dtype=object))
    todo = mask & np.asarray([ring is None for ring in rings], dtype=bool)
    if todo.any():
        rings[todo] = stored_rings(np.asarray(ref.frame.geometry.values)[todo], keys[todo[mask]], snap, cache_dir())
    return rings[mask]


def _boundary(option: Option, ref: Layer, matrix: Matrix, footprint: dict[str, float], internal: Any,
              snap: float, memo: dict[Any, Any] | None = None) -> Any:
    """Boundary lengths of the places against ``ref``: per-unit bands when the units meeting the footprint
    cover all but 1 % of it (lines in the gaps are measured against the nearby boundaries only), else
    the band around the whole layer's boundaries. ``memo`` holds the lengths already measured for this
    option's places against a list of bit-identical units (a county layer and a district layer share every
    unit of a footprint of unitaries): the same inputs, so the same figures, measured once."""
    import numpy as np

    from placegeo.boundaries import boundary_lengths

    places = option.frame.geometry.values
    frame = ref.frame
    m = matrix.values.get("area")
    if m is not None and footprint.get("area", 0) > 0:
        used = {matrix.units[i] for i in np.flatnonzero(m.sum(axis=1) > 0)}
        gap = 1.0 - float(m.sum()) / footprint["area"]
        if gap < 0.01:
            mask = np.fromiter((c in used for c in ref.codes), dtype=bool, count=len(frame))
            units_geoms = np.asarray(frame.geometry.values)[mask]
            keys = _unit_keys(ref, mask)
            seen = (tuple(keys), gap > 1e-9) if keys is not None and memo is not None else None
            if seen is not None and memo is not None and seen in memo:
                total, matched = memo[seen]
                return total.copy(), matched.copy()
            lengths = boundary_lengths(places, units_geoms, snap, internal=internal, covered=True,
                                       gaps=gap > 1e-9, rings=_unit_rings(ref, snap, mask))
            if seen is not None and memo is not None:
                memo[seen] = lengths
            return lengths
    return boundary_lengths(places, frame.geometry.values, snap, internal=internal)


# --------------------------------------------------------------------------------------------------
# overlap: the weighing core in long format


def overlap(a: Any, b: Any, *, weight: str = "area", population: Any = None, exact: bool = True,
            engine: str | None = None, repair: bool | None = None) -> pd.DataFrame:
    """Tabulate the overlap of two layers, long format: one row per pair with a positive overlap.

    ``a`` and ``b`` are bundled layer ids, paths, :class:`~placegeo.layers.Layer` objects, GeoDataFrames
    or options (their places as units). ``weight`` is ``area``, ``population`` or ``both``; population
    follows the layers (:func:`placegeo.population.population_for`) unless ``population`` names it. With
    ``exact`` (default) and both layers unions of the same atoms, the membership path is used.

    Columns: ``left``, ``left_name``, ``right``, ``right_name``, ``area_m2``, ``population`` (when
    asked), ``left_share`` and ``right_share`` (of the left / right unit's own weight).
    """
    import numpy as np
    import pandas as pd

    if weight not in WEIGHTS:
        raise UsageError(f"unknown weight '{weight}'", hint="use area, population or both")
    with reading(CompareSettings(engine=engine, repair=repair)):
        la, lb = load_reference(a), load_reference(b)
        weighing, matrix = weigh_layers(la, lb, weight, population, exact)
    table = pd.DataFrame(_long(matrix))
    own_b = dict(zip(weighing.places, range(len(weighing.places)), strict=True))
    col_w = weighing.place_weights()
    row_at = dict(zip(matrix.units, range(len(matrix.units)), strict=True))
    primary = "population" if weight == "population" else "area"
    if weight == "population":
        table = table[table["population"] > 0]
    left_total = matrix.totals[primary][[row_at[c] for c in table["left"]]]
    right_total = col_w[primary][[own_b[c] for c in table["right"]]]
    value = table[primary].to_numpy(dtype=float)
    table["left_share"] = np.divide(value, left_total, out=np.zeros_like(value), where=left_total > 0)
    table["right_share"] = np.divide(value, right_total, out=np.zeros_like(value), where=right_total > 0)
    table = table.rename(columns={"area": "area_m2"})
    table.insert(1, "left_name", table["left"].map(_names(la)))
    table.insert(3, "right_name", table["right"].map(_names(lb)))
    if weight == "area" and "population" in table:
        table = table.drop(columns="population")
    if weight == "population":
        table = table.drop(columns="area_m2")
    return table.sort_values(["left", "right"]).reset_index(drop=True)


def weigh_layers(rows: Layer, columns: Layer, weight: str, population: Any = None,
                 exact: bool = True) -> tuple[Weighing, Matrix]:
    """(the columns' weighing, the matrix of ``rows``' units against ``columns``' units); area is always
    measured, population too unless ``weight`` is ``area``. ``exact=False`` forces the geometry path."""
    from placegeo.population import population_for
    from placegeo.weighing import Weighing, layer_tiling

    pop = population_for([rows, columns], population) if weight != "area" else None
    tiling = layer_tiling(columns)
    if not exact:
        tiling = replace(tiling, atom=None, members=None)
    weighing = Weighing(tiling, ("area", "population") if pop is not None else ("area",), pop)
    return weighing, weighing.against(rows)


def _long(matrix: Matrix) -> dict[str, Any]:
    from placegeo.weighing import long_table

    cells = long_table(matrix)
    return {"left": cells.pop("unit"), "right": cells.pop("place"), **cells}


# --------------------------------------------------------------------------------------------------
# what the map and the report need, computed here so that render/ only draws and writes


@dataclass
class MapInputs:
    """Everything a map draws: the options, the overlay / split / practice layers, and the split comparison
    of each option (None where no split layer is asked for)."""

    options: list[Option]
    overlays: list[Layer]
    split_layer: Layer | None = None
    practice_layer: Layer | None = None
    splits: list[Comparison | None] = field(default_factory=list)


def map_inputs(options: Any, *, overlays: Sequence[str | Path] = (), highlight_splits: str | Path | None = None,
               practices: bool = False, tol: float | None = None, population: Any = None,
               comparison: Comparison | None = None, engine: str | None = None, repair: bool | None = None,
               warn: Warn | None = None) -> MapInputs:
    """Load what a map shows and measure the splits it hatches as `placegeo compare` does."""
    from placegeo.layers import load_layer

    tol = metrics.DEFAULT_TOL if tol is None else tol
    settings = CompareSettings(weight="both", tol=tol, population=population, boundary=False, engine=engine,
                               repair=repair)
    with reading(settings):
        loaded = load_options(options)
        overlay_layers = [_polygon_layer(load_layer(str(o)), "--overlay") for o in overlays]
        split_layer = None
        if highlight_splits:
            split_layer = _polygon_layer(load_reference(str(highlight_splits)), "--highlight-splits")
            check_reference(split_layer, tol)
        practice_layer = load_layer("practices") if practices else None
        splits: list[Comparison | None] = [None] * len(loaded)
        if split_layer is not None:
            for i, option in enumerate(loaded):
                splits[i] = comparison if _holds(comparison, option, split_layer) else compare_loaded(
                    [option], [split_layer], settings, warn)
    return MapInputs(loaded, overlay_layers, split_layer, practice_layer, splits)


def _holds(comparison: Comparison | None, option: Option, layer: Layer) -> bool:
    if comparison is None:
        return False
    try:
        return layer.id in comparison.option(option.name).results
    except KeyError:
        return False


def _polygon_layer(layer: Layer, flag: str) -> Layer:
    if set(layer.frame.geom_type) - {"Polygon", "MultiPolygon"}:
        hint = "use --practices for GP practices" if layer.id == "practices" else "give a polygon layer"
        raise UsageError(f"{flag} {layer.id}: not a polygon layer", hint=hint)
    return layer


def report_maps(comparison: Comparison, options: Sequence[Option]) -> dict[str, MapInputs]:
    """What the report's map of each option draws: its places, with the units of the first reference layer
    that it splits (read from ``comparison``, so the hatching is what the report's tables say)."""
    split_layer = comparison.layers[0].id if comparison.layers else None
    return {option.name: map_inputs([option], highlight_splits=split_layer, comparison=comparison,
                                    tol=comparison.settings.tol, warn=lambda _: None)
            for option in options if _in(comparison, option)}


def _in(comparison: Comparison, option: Option) -> bool:
    return any(opt.name == option.name for opt in comparison.options)


def report_inputs(options: Sequence[Any], against: Sequence[Any] | None, settings: CompareSettings,
                  warn: Warn | None = None) -> tuple[Comparison, list[Option]]:
    """The comparison a report shows, and the options themselves (for its maps), sub-units included."""
    with reading(settings):
        loaded = load_options(options, subunits=settings.subunits)
        comparison = compare_loaded(loaded, against, replace(settings, subunits=False), warn)
    return comparison, loaded
