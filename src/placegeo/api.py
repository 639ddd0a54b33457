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
from placegeo.errors import PlacegeoError, UsageError
from placegeo.metrics import NEIGHBOURHOOD_BAND, PLACE_BAND, Band
from placegeo.progress import phase
from placegeo.results import (
    Comparison,
    EdgeMatch,
    LayerInfo,
    LayerResult,
    OptionResult,
    PlaceSummary,
    Profile,
    ProfileTable,
    Settings,
    UnitProfile,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from placegeo.layers import Layer
    from placegeo.options import Option
    from placegeo.profiles import AtomProfile
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
    allow_overlaps: bool = False                  # take a reference layer whose units overlap or leave gaps

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
    allow_overlaps: bool = False,
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
    after the options given. ``engine`` and ``repair`` say how files are read. ``allow_overlaps`` takes a
    reference layer whose units overlap or leave gaps beyond edge noise (refused otherwise, see
    :func:`check_reference`). ``settings`` gives all of these at once (the keywords are then ignored).

    A reference layer meeting under 1 % of an option's footprint is refused, with the bundled layer of the
    option's region suggested; one covering only part of it is scored over the part it covers, with a
    warning that states the coverage. Comparison-only layers and reference layers whose units overlap
    each other are refused (:class:`~placegeo.errors.UsageError`).
    """
    settings = settings or CompareSettings(weight=weight, tol=tol, snap=snap, population=population,
                                           place_band=place_band, neighbourhood_band=neighbourhood_band,
                                           boundary=boundary, subunits=subunits, engine=engine, repair=repair,
                                           allow_overlaps=allow_overlaps)
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
        users = any(r.entry is None and "members" not in r.derived for r in refs)
        within = _footprint(loaded) if users else None  # only a user's layer is checked for overlaps and gaps
        for ref in refs:
            check_reference(ref, settings.tol, snap=settings.snap, allow_overlaps=settings.allow_overlaps,
                            within=within, warn=warn)
            if ref.entry is not None and ref.entry.caveat:  # best-fit, modelled or separately generalised
                caveat = ref.entry.caveat
                warn(caveat if caveat.startswith(ref.id) else f"{ref.id}: {caveat}")
        pop = choose_population(loaded, refs, settings, warn)
        measured = Settings(weights=settings.weights, tol=settings.tol, snap=settings.snap,
                            population_layer=pop.id if pop else None, place_band=settings.place_band,
                            neighbourhood_band=settings.neighbourhood_band)
        infos = [_info(r) for r in refs]
        with phase(f"weighing {len(loaded)} option{'s' if len(loaded) != 1 else ''} against "
                   f"{', '.join(r.id for r in refs)}", total=len(loaded)) as step:
            results = []
            for option in loaded:
                results.append(compare_option(option, refs, measured, pop, settings.boundary, warn))
                step()
    comparison = Comparison(settings=measured, layers=infos, options=results)
    _remember_references(comparison, refs)
    return comparison


_REFERENCES: dict[int, list[Layer]] = {}  # id(Comparison) -> the Layers it was measured against (while it lives)


def _remember_references(comparison: Comparison, refs: list[Layer]) -> None:
    """Keep the loaded reference layers with ``comparison`` (for its maps) without a field in the results."""
    import weakref

    _REFERENCES[id(comparison)] = refs
    weakref.finalize(comparison, _REFERENCES.pop, id(comparison), None)


def reference_layers(comparison: Comparison) -> list[Layer] | None:
    """The Layers ``comparison`` was measured against (this process compared it), else None."""
    refs = _REFERENCES.get(id(comparison))
    if refs is None or [r.id for r in refs] != [info.id for info in comparison.layers]:
        return None
    return refs


def _footprint(options: Sequence[Option]) -> Any:
    """The union of the options' places (EPSG:27700): where a reference layer's overlaps and gaps matter."""
    import numpy as np
    import shapely

    geoms = [np.asarray(o.frame.geometry.values, dtype=object) for o in options]
    return shapely.union_all(np.concatenate(geoms)) if geoms else None


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
    """The reference layers: bundled ids (the options' own blocks layer object reused), files, or options.

    A big file (over :data:`placegeo.layers.BIG_LAYER` features) is read only around the options (their box,
    grown by :data:`placegeo.layers.NEAR_MARGIN`): units farther away meet no place."""
    known = {o.blocks.id: o.blocks for o in options if o.blocks is not None and o.blocks.entry is not None}
    near = options_box(options)
    refs = [known[a] if isinstance(a, str) and a in known else load_reference(a, near) for a in against]
    if not refs:
        raise UsageError("no reference layer", hint="pass --against LAYER (e.g. lad21)")
    return unique_ids(refs)


def unique_ids(layers: Sequence[Layer]) -> list[Layer]:
    """Every reference layer under its own id: a second file with an id already taken (two ``d.gpkg`` in
    different folders) becomes ``d-2``, never dropped; the same layer given twice is kept once."""
    from dataclasses import replace as renamed

    out: list[Layer] = []
    taken: dict[str, Layer] = {}
    for layer in layers:
        if layer.id in taken and (taken[layer.id] is layer or taken[layer.id].source == layer.source):
            continue
        layer_id, k = layer.id, 2
        while layer_id in taken:
            layer_id, k = f"{layer.id}-{k}", k + 1
        if layer_id != layer.id:
            layer = renamed(layer, id=layer_id, title=f"{layer.title} ({layer.source})")
        taken[layer_id] = layer
        out.append(layer)
    return out


def options_box(options: Sequence[Option]) -> tuple[float, float, float, float] | None:
    """The box (EPSG:27700) holding every option's places, grown by :data:`placegeo.layers.NEAR_MARGIN`."""
    import numpy as np

    from placegeo.layers import NEAR_MARGIN

    boxes = np.asarray([o.frame.total_bounds for o in options], dtype=float).reshape(-1, 4)
    if not len(boxes) or not np.isfinite(boxes).all():
        return None
    return (float(boxes[:, 0].min()) - NEAR_MARGIN, float(boxes[:, 1].min()) - NEAR_MARGIN,
            float(boxes[:, 2].max()) + NEAR_MARGIN, float(boxes[:, 3].max()) + NEAR_MARGIN)


def load_reference(source: Any, near: tuple[float, float, float, float] | None = None) -> Layer:
    """One reference layer from a bundled id, a boundary file, a Layer, a GeoDataFrame or an option; a big
    file only ``near`` a box (EPSG:27700; see :func:`placegeo.layers.load_layer`)."""
    from placegeo.catalogue import is_bundled
    from placegeo.layers import as_layer, bundled_layer, load_layer

    if is_option_source(source):
        from placegeo.options import Option, load_option
        from placegeo.weighing import option_layer

        option = source if isinstance(source, Option) else load_option(source)
        return option_layer(option, _option_id(source, option))
    if isinstance(source, str) and is_bundled(source):
        return bundled_layer(source)  # shared and read-only: compare never changes a reference frame
    if isinstance(source, (str, Path)):
        return load_layer(source, near=near)
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


def check_reference(layer: Layer, tol: float = metrics.DEFAULT_TOL, *, snap: float = metrics.DEFAULT_SNAP,
                    allow_overlaps: bool = False, within: Any = None, warn: Warn | None = None) -> None:
    """Refuse a layer that cannot be a reference layer: a comparison-only bundled layer, or a user's layer
    whose units overlap each other or leave gaps between them beyond edge noise (pieces not entirely within
    ``snap`` metres of an edge, :func:`placegeo.checks.coverage.broken_tiling`; only those meeting ``within``,
    the options' footprint, when given): shares would then not sum to one. The refusal gives the largest
    finding as ``placegeo validate`` prints it, with the units' names and where it is. With
    ``allow_overlaps`` such a layer is taken, with a warning. The whole-layer overlap share is not measured
    for a layer of more than :data:`placegeo.layers.BIG_LAYER` units (its predicates cost minutes at 200,000
    units): the comparison refuses one whose units overlap inside a footprint."""
    from placegeo.catalogue import comparison_only

    why = comparison_only(layer.entry)
    if why:
        raise UsageError(f"{layer.id} cannot be a reference layer: {why}",
                         hint="draw it with `placegeo map --overlay`; measure against a layer that tiles the area")
    if layer.entry is not None or "members" in layer.derived:
        return
    if allow_overlaps and layer.derived.get("overlaps_allowed"):
        return  # taken already, with its warning (a map of several options checks it once per option)
    from placegeo.layers import BIG_LAYER

    findings = broken_reference(layer, snap, within)
    if findings and allow_overlaps:
        layer.derived["overlaps_allowed"] = True
        (warn or _warn)(f"reference layer {layer.id}: {_described(findings)}; taken anyway "
                        "(--allow-overlaps): its shares no longer sum to one")
        return
    if findings:
        raise UsageError(f"reference layer {layer.id}: its units overlap or leave gaps wider than {snap:g} m: "
                         f"{_described(findings)}",
                         path=layer.source,
                         hint=f"run `placegeo validate {layer.source}` for every finding, or pass --allow-overlaps")
    big = len(layer.frame) > BIG_LAYER  # checked where it counts: inside each option's footprint (compare_option)
    share = self_overlap(layer.frame.geometry.values) if not (allow_overlaps or big) else 0.0
    if share > max(tol, 1e-6):
        raise UsageError(f"reference layer {layer.id}: its units overlap each other ({_pct(share)} of their area), "
                         "so coterminosity would exceed 1", path=layer.source,
                         hint=f"run `placegeo validate {layer.source}` to find the overlaps")


def broken_reference(layer: Layer, snap: float = metrics.DEFAULT_SNAP, within: Any = None) -> list[Any]:
    """The ``coverage-overlap`` and ``coverage-gap`` findings of ``placegeo validate`` on ``layer`` that are
    more than edge noise (docs/metrics.md), largest first, naming the units as ``validate`` does
    (``Preston (E07000123)``; :func:`placegeo.checks.coverage.broken_tiling`)."""
    import numpy as np

    from placegeo.checks.base import unit_labels
    from placegeo.checks.coverage import broken_tiling

    geoms = np.asarray(layer.frame.geometry.values, dtype=object)
    codes = [str(c) for c in layer.codes]
    names = unit_labels(codes, layer.frame[layer.name].tolist() if layer.name != layer.code else None)
    return broken_tiling(geoms, codes, str(layer.source), snap, within, names=names)


def describe_finding(finding: Any) -> str:
    """A validate finding in words for one line: its message (units named as ``validate`` names them) and
    where it is (British National Grid and latitude/longitude)."""
    if finding.x is None:
        return str(finding.message)
    from pyproj import Transformer

    lon, lat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(finding.x, finding.y)
    return (f"{finding.message} at {finding.x:,.0f} E {finding.y:,.0f} N (EPSG:27700; "
            f"{abs(lat):.4f}° {'N' if lat >= 0 else 'S'} {abs(lon):.4f}° {'E' if lon >= 0 else 'W'})")


SHOWN_FINDINGS = 3
"""How many overlaps and gaps a refused reference layer's one line gives (the largest; validate lists all)."""


def _described(findings: list[Any]) -> str:
    text = "; ".join(describe_finding(f) for f in findings[:SHOWN_FINDINGS])
    more = len(findings) - SHOWN_FINDINGS
    return text + (f"; and {more} more" if more > 0 else "")


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
    weighing = Weighing(option_tiling(option), settings.weights, pop, extra=_core20_atoms(pop), snap=settings.snap)
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
    summaries = place_summaries(option, place_w, settings, pop, weighing)
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
        if "area" in matrix.values and not ref.derived.get("overlaps_allowed"):
            _refuse_overlapping(ref, float(matrix.values["area"].sum()), scored_f["area"], settings.tol)
        lengths = _boundary(option, ref, matrix, scored_f, internal, settings.snap, memo) if boundary else None
        results[ref.id] = assess(matrix, settings, layer=ref.id, place_weights=scored_w, footprint=scored_f,
                                 unit_names=_names(ref), lengths=lengths, coverage=covered)
        _split_people(results[ref.id], matrix)
        results[ref.id].edge_match = edge_match(option, ref, matrix, settings.snap, internal,
                                                [r for r in refs if r.entry is not None])
    return OptionResult(
        name=option.name, description=option.description,
        source=str(option.source) if option.source else None,
        footprint=footprint, places=summaries, unassigned=list(option.unassigned), results=results,
        frame=option.frame, blocks_layer=option.blocks.id if option.blocks is not None else None,
        unassigned_names=_block_names(option, option.unassigned),
        blocks_info=_info(option.blocks) if option.blocks is not None else None,
    )


def _is_user_file(layer: Layer) -> bool:
    """A reference layer read from a user's file (not bundled, not built of a bundled layer's atoms)."""
    return layer.entry is None and "members" not in layer.derived


def edge_match(option: Option, ref: Layer, matrix: Matrix, snap: float, internal: Any = None,
               bundled: Sequence[Layer] = ()) -> EdgeMatch | None:
    """How far a user's file lies from a bundled layer (docs/metrics.md, "edge match"). A user's reference
    layer: its units' shared edges inside the footprint, against the bundled layer of the comparison they
    follow most closely (the option's building blocks, or one of ``bundled``, the bundled reference layers).
    A user's option (drawn polygons): its places' internal edges against the bundled reference layer
    ``ref``. None when neither side is a user's file."""
    user_ref, user_option = _is_user_file(ref), option.blocks is None and ref.entry is not None
    if not user_ref and not user_option:
        return None
    import numpy as np
    import shapely

    from placegeo.boundaries import edge_offsets, internal_boundaries

    codes = set(matrix.units)
    used = np.fromiter((c in codes for c in ref.codes), dtype=bool, count=len(ref.codes))
    ref_geoms = np.asarray(ref.frame.geometry.values, dtype=object)
    if user_ref:
        candidates = [layer for layer in (option.blocks, *bundled) if layer is not None and layer.entry is not None]
        if not candidates:
            return None
        footprint = shapely.union_all(np.asarray(option.frame.geometry.values, dtype=object))
        lines = shapely.intersection(internal_boundaries(ref_geoms[used]), footprint)
        found: list[tuple[float, float, float, str]] = []
        for layer in unique_ids(candidates):
            near = np.asarray(layer.frame.sindex.query(footprint, predicate="intersects"))
            distance, length = edge_offsets(lines, np.asarray(layer.frame.geometry.values, dtype=object)[near],
                                            step=max(snap, 1.0) / 5)
            match = metrics.edge_match(distance, length, snap)
            if match is not None:
                found.append((match[0], -match[1], float(length.sum()), layer.id))
        if not found:
            return None
        share, offset, length_m, against = max(found)
        return EdgeMatch(file=ref.id, against=against, share=share, median_m=-offset, length_km=length_m / 1e3)
    if user_option:
        lines = internal if internal is not None else internal_boundaries(option.frame.geometry.values)
        distance, length = edge_offsets(lines, ref_geoms[used], step=max(snap, 1.0) / 5)
        match = metrics.edge_match(distance, length, snap)
        if match is not None:
            return EdgeMatch(file=option.name, against=ref.id, share=match[0], median_m=match[1],
                             length_km=float(length.sum()) / 1e3)
    return None


def _info(layer: Layer) -> LayerInfo:
    """How the results name a layer: title, licence line, exactness and caveat (from its catalogue entry)."""
    entry = layer.entry
    return LayerInfo(layer.id, layer.title, layer.attribution, entry.exactness if entry else None,
                     entry.caveat if entry else None)


def _block_names(option: Option, codes: list[str]) -> list[str]:
    """Names of some of the option's blocks, in the order of ``codes``."""
    if option.blocks is None or not codes:
        return []
    names = _names(option.blocks)
    return [names.get(code, code) for code in codes]


def _core20_atoms(pop: Layer | None) -> dict[str, np.ndarray]:
    """Per-small-area Core20 residents of the population layer, to share out over split units ({} without IMD)."""
    from placegeo.profiles import atom_profile

    atoms = atom_profile(pop) if pop is not None else None
    return {"core20": atoms.values["core20"]} if atoms is not None and "core20" in atoms.values else {}


def _split_people(result: LayerResult, matrix: Matrix) -> None:
    """Residents and Core20 residents of each unit in each place, R_i ∩ P_j (cells with anyone in them)."""
    row = {code: i for i, code in enumerate(matrix.units)}
    people, core20 = matrix.values.get("population"), matrix.extra.get("core20")
    result.core20_measured = core20 is not None
    for unit in (*result.units, *result.outside_units):
        i = row.get(unit.code)
        if i is None:
            continue
        if people is not None:
            unit.people = {p: float(v) for p, v in zip(matrix.places, people[i], strict=True) if v > 0}
        if core20 is not None:
            unit.core20 = {p: float(v) for p, v in zip(matrix.places, core20[i], strict=True) if v > 0}


def place_profiles(weighing: Weighing) -> list[Profile | None]:
    """Who lives in each of the weighing's places (:func:`placegeo.profiles.figures`): None for every place
    when population is not measured."""
    n = len(weighing.places)
    atoms = atom_profile_of(weighing.pop)
    if atoms is None:
        return [None] * n
    from placegeo.profiles import figures, profile_sums

    target, atom, fraction = weighing.atom_pairs()
    sums = profile_sums(atoms, target, atom, fraction, n)
    return [Profile(**figures({k: float(v[j]) for k, v in sums.items()}, atoms)) for j in range(n)]


PRACTICE_LAYERS = {"lsc": "practices", "england": "england/practices"}
"""The bundled GP practice layer (points with list sizes) of each catalogue region that has one."""


def with_registered(profiles: list[Profile | None], geoms: Any, pop: Layer | None) -> list[Profile | None]:
    """Profiles with the patients registered at the GP practices located in each polygon (a practice point
    inside it) and their ratio to residents, where the population layer's region bundles practices;
    unchanged otherwise."""
    region = pop.entry.region if pop is not None and pop.entry is not None else None
    if region not in PRACTICE_LAYERS or not any(p is not None for p in profiles):
        return profiles
    import numpy as np
    import shapely

    from placegeo.layers import load_layer
    from placegeo.population import values

    practices = load_layer(PRACTICE_LAYERS[region])
    points = np.asarray(practices.frame.geometry.values, dtype=object)
    tree = shapely.STRtree(points)
    place, point = tree.query(np.asarray(geoms, dtype=object), predicate="contains")
    lists = values(practices)
    registered = np.bincount(place, weights=lists[point], minlength=len(profiles))
    vintage = practices.entry.population_vintage if practices.entry is not None else practices.population
    source = f"{vintage}, at the practices of layer {practices.id} located in the place (practice postcode)"
    out: list[Profile | None] = []
    for j, prof in enumerate(profiles):
        if prof is None:
            out.append(None)
            continue
        patients = float(registered[j])
        ratio = patients / prof.residents if prof.residents > 0 else None
        out.append(replace(prof, registered=patients, registered_ratio=ratio, registered_source=source))
    return out


def atom_profile_of(pop: Layer | None) -> AtomProfile | None:
    """The population layer's per-small-area profile values (None without a population layer)."""
    from placegeo.profiles import atom_profile

    return atom_profile(pop) if pop is not None else None


def profile(source: Any, *, population: Any = None) -> ProfileTable:
    """Who lives in every unit of a layer (bundled id or boundary file) or place of an option (an option
    file, ``FILE#PLACE`` or Option): :class:`ProfileTable`, figures as in :func:`place_profiles`. The small-area
    layer follows the subject (:func:`placegeo.population.population_for`) unless ``population`` names it."""
    from placegeo.population import population_for
    from placegeo.weighing import Weighing, layer_tiling, option_tiling

    if is_option_source(source):
        option = load_options([source])[0]
        pop = population_for(options=[option], source=population)
        weighing = Weighing(option_tiling(option), ("population",), pop)
        subject, codes, names = option.name, option.place_names, option.place_names
    else:
        layer = load_reference(source)
        pop = population_for([layer], population)
        weighing = Weighing(layer_tiling(layer), ("population",), pop)
        if layer.id == pop.id:  # the small areas themselves: each is its own one atom
            weighing.atom_pairs = _identity_pairs(len(layer.codes))  # type: ignore[method-assign]
        subject, codes, names = layer.id, list(layer.codes), list(layer.names)
    profiles = with_registered(place_profiles(weighing), weighing.columns.geoms, pop)
    return ProfileTable(subject=subject, population_layer=pop.id,
                        units=[UnitProfile(str(c), str(n), p) for c, n, p in zip(codes, names, profiles, strict=True)])


def _identity_pairs(n: int) -> Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    import numpy as np

    index = np.arange(n)
    return lambda: (index, index, np.ones(n))


def place_summaries(option: Option, place_w: dict[str, np.ndarray], settings: Settings,
                    pop: Layer | None, weighing: Weighing | None = None) -> list[PlaceSummary]:
    """Each place's population, area, blocks, guidance bands, profile and sub-units."""
    from placegeo.weighing import Weighing, option_tiling

    weighing = weighing or Weighing(option_tiling(option), settings.weights, pop)
    profiles: list[Profile | None] = place_profiles(weighing) if pop is not None else [None] * len(option.places)
    profiles = with_registered(profiles, weighing.columns.geoms, pop)
    out = []
    for j, place in enumerate(option.places):
        population = float(place_w["population"][j]) if "population" in place_w else None
        area = _place_area(option, j, place.name, place_w)
        subunits: list[PlaceSummary] = []
        if place.subunits is not None:
            sub = Weighing(option_tiling(place.subunits), settings.weights, pop)
            subunits = place_summaries(place.subunits, sub.place_weights(), settings, pop, sub)
        hoods = option.neighbourhoods  # each band applies to its own level only (docs/metrics.md)
        out.append(PlaceSummary(
            name=place.name, population=population, area_km2=area / 1e6, units=list(place.blocks),
            band=("n/a" if hoods else metrics.band_flag(population, settings.place_band) if population is not None
                  else "unknown"),
            subunits=subunits,
            neighbourhood=("n/a" if not hoods else metrics.band_flag(population, settings.neighbourhood_band)
                           if population is not None else "unknown"),
            profile=profiles[j],
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
        with phase(f"weighing {la.id} against {lb.id}"):
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


SHADES = ("imd", "age65", "population-density")
"""What ``placegeo map --shade`` can shade the small areas by."""


@dataclass
class Shade:
    """Small areas shaded in classes under the place outlines: class 0 is the lightest."""

    kind: str                         # one of SHADES
    title: str                        # the legend's heading, e.g. "IMD 2019 decile, by LSOA 2011"
    geoms: Any                        # the small areas' polygons (EPSG:27700)
    classes: Any                      # int array: each small area's class (0 = lightest)
    labels: list[str]                 # one per class, 0 first
    layer: str                        # the small-area layer's id
    credits: list[tuple[str | None, str | None]] = field(default_factory=list)  # (licence line, layer id)
    source: str = ""                  # what the figures are, and their vintage, for the subtitle
    inside: Any = None                # bool array: the small area's point-on-surface lies in some place
    codes: list[str] = field(default_factory=list)  # the small areas' codes, in the order of geoms


@dataclass
class MapInputs:
    """Everything a map draws: the options, the overlay / split / practice layers, the split comparison
    of each option (None where no split layer is asked for), and the small-area shading (None: none)."""

    options: list[Option]
    overlays: list[Layer]
    split_layer: Layer | None = None
    practice_layer: Layer | None = None
    splits: list[Comparison | None] = field(default_factory=list)
    shade: Shade | None = None
    split_layers: list[Layer | None] = field(default_factory=list)  # per panel; empty: split_layer in every one


IMD_LICENCE = ("Contains public sector information licensed under the Open Government Licence v3.0. Source: "
               "MHCLG, English Indices of Deprivation {year}.")


def shade_inputs(kind: str, options: Sequence[Option], population: Any = None) -> Shade:
    """The small areas around ``options`` (the population layer the policy picks) in classes of ``kind``:
    ``imd`` (IMD decile, 1 = most deprived, darkest), ``age65`` (share aged 65+) or ``population-density``
    (residents per km²)."""
    import numpy as np
    import shapely

    from placegeo.population import population_for
    from placegeo.profiles import IMD_VINTAGES

    if kind not in SHADES:
        raise UsageError(f"unknown --shade '{kind}'", hint=f"use {', '.join(SHADES)}")
    pop = population_for(options=options, source=population)
    bounds = np.asarray([o.frame.total_bounds for o in options])
    xmin, ymin = bounds[:, 0].min(), bounds[:, 1].min()
    xmax, ymax = bounds[:, 2].max(), bounds[:, 3].max()
    pad = 0.25 * max(xmax - xmin, ymax - ymin)
    near = np.sort(pop.frame.sindex.query(shapely.box(xmin - pad, ymin - pad, xmax + pad, ymax + pad)))
    frame = pop.frame.iloc[near]
    people = pd_numeric(frame[pop.population])
    codes = frame[pop.code].astype(str).tolist()
    footprint = shapely.union_all([g for o in options for g in o.frame.geometry.values])
    inside = shapely.contains_xy(footprint, *shapely.get_coordinates(
        shapely.point_on_surface(frame.geometry.values)).T)
    licence = "\n".join(line for line in (pop.attribution or "").splitlines()  # IMD: credited below, by year
                         if "MHCLG" not in line and "Communities and Local Government" not in line)
    credits: list[tuple[str | None, str | None]] = [(licence, pop.id)]
    area_name = pop.title.split(",")[0]
    if kind == "imd":
        imd = next((v for v in IMD_VINTAGES if f"{v.prefix}_DECILE" in frame), None)
        if imd is None:
            raise UsageError(f"{pop.id} has no IMD deciles", hint="use --population with an IMD layer "
                             "(lsoa11, england/lsoa21)")
        year = "20" + imd.prefix[-2:]
        decile = pd_numeric(frame[f"{imd.prefix}_DECILE"]).clip(1, 10).astype(int)
        classes = 10 - decile
        labels = [f"{10 - c}" + (" (most deprived 10 %)" if c == 9 else " (least deprived 10 %)" if c == 0 else "")
                  for c in range(10)]
        credits.append((IMD_LICENCE.format(year=year), None))
        return Shade(kind, f"IMD {year} decile, by {area_name} (1 = most deprived)", frame.geometry.values,
                     classes, labels, pop.id, credits, f"{imd.source}", inside, codes)
    if kind == "age65":
        column = f"{pop.population}_65PLUS"
        if column not in frame:
            raise UsageError(f"{pop.id} has no {column} column", hint="use --population lsoa11 or england/lsoa21")
        share = np.divide(pd_numeric(frame[column]), people, out=np.zeros(len(frame)), where=people > 0)
        cuts = [0.15, 0.20, 0.25, 0.30]
        labels = ["under 15 %", "15 to 20 %", "20 to 25 %", "25 to 30 %", "30 % and over"]
        vintage = pop.entry.population_vintage if pop.entry is not None else pop.population
        return Shade(kind, f"Residents aged 65+, share by {area_name}", frame.geometry.values,
                     np.digitize(share, cuts), labels, pop.id, credits, f"ages: {vintage}", inside, codes)
    km2 = shapely.area(frame.geometry.values) / 1e6
    density = np.divide(people, km2, out=np.zeros(len(frame)), where=km2 > 0)
    cuts = [500, 2000, 4000, 6000]
    labels = ["under 500", "500 to 2,000", "2,000 to 4,000", "4,000 to 6,000", "6,000 and over"]
    vintage = pop.entry.population_vintage if pop.entry is not None else pop.population
    return Shade(kind, f"Residents per km², by {area_name}", frame.geometry.values, np.digitize(density, cuts),
                 labels, pop.id, credits, f"residents: {vintage}", inside, codes)


def pd_numeric(column: Any) -> Any:
    """A column as floats (missing values 0)."""
    import pandas as pd

    return pd.to_numeric(column, errors="coerce").fillna(0.0).to_numpy(dtype=float)


def map_inputs(options: Any, *, overlays: Sequence[str | Path] = (),
               highlight_splits: str | Path | Layer | None = None,
               practices: bool = False, tol: float | None = None, population: Any = None,
               comparison: Comparison | None = None, engine: str | None = None, repair: bool | None = None,
               warn: Warn | None = None, shade: str | None = None, allow_overlaps: bool = False) -> MapInputs:
    """Load what a map shows and measure the splits it hatches as `placegeo compare` does (``highlight_splits``:
    a layer id, a file, or a loaded Layer, used as it is; checked as a reference layer, and with
    ``allow_overlaps`` taken with a warning when its units overlap, :func:`check_reference`); with ``shade``
    (:data:`SHADES`), the small areas to shade under the places (:func:`shade_inputs`)."""
    from placegeo.layers import Layer, load_layer

    tol = metrics.DEFAULT_TOL if tol is None else tol
    settings = CompareSettings(weight="both", tol=tol, population=population, boundary=False, engine=engine,
                               repair=repair, allow_overlaps=allow_overlaps)
    with reading(settings):
        loaded = load_options(options)
        overlay_layers = [_polygon_layer(load_layer(str(o)), "--overlay") for o in overlays]
        split_layer = None
        if highlight_splits is not None:
            source = highlight_splits if isinstance(highlight_splits, Layer) else str(highlight_splits)
            split_layer = _polygon_layer(load_reference(source), "--highlight-splits")  # checked by compare_loaded
        practice_layer = load_layer("practices") if practices else None
        splits: list[Comparison | None] = [None] * len(loaded)
        if split_layer is not None:
            todo = [i for i, o in enumerate(loaded) if not _holds(comparison, o, split_layer)]
            together = None  # the options not measured yet, in one comparison (references and population once)
            if len(todo) > 1 and len({loaded[i].name for i in todo}) == len(todo):
                together = compare_loaded([loaded[i] for i in todo], [split_layer], settings, warn)
            for i, option in enumerate(loaded):
                splits[i] = comparison if i not in todo else together or compare_loaded([option], [split_layer],
                                                                                        settings, warn)
        shading = shade_inputs(shade, loaded, population) if shade else None
    return MapInputs(loaded, overlay_layers, split_layer, practice_layer, splits, shading)


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
    """What the report's map of each option draws: one small multiple per reference layer that the option
    splits, its units hatched (read from ``comparison``, so the hatching is what the report's tables say); when it
    splits none, one panel of the first layer (nothing hatched). Layers that cannot be drawn (not polygons) are
    left out."""
    refs = reference_layers(comparison)  # the layer itself: a user file is never reloaded by its stem
    if refs is None:
        refs = []
        for info in comparison.layers:
            try:
                refs.append(load_reference(info.id))
            except PlacegeoError:
                continue
    drawable = [ref for ref in refs if not set(ref.frame.geom_type) - {"Polygon", "MultiPolygon"}]
    out = {}
    for option in options:
        if not _in(comparison, option):
            continue
        result = comparison.option(option.name)
        compared = [ref for ref in drawable if ref.id in result.results]
        layers = [ref for ref in compared if result.results[ref.id].split_units] or compared[:1]
        if not layers:
            out[option.name] = MapInputs([option], [])
            continue
        panels: list[Layer | None] = list(layers)
        out[option.name] = MapInputs([option] * len(layers), [], layers[0], None, [comparison] * len(layers),
                                     split_layers=panels)
    return out


def _in(comparison: Comparison, option: Option) -> bool:
    return any(opt.name == option.name for opt in comparison.options)


def report_inputs(options: Sequence[Any], against: Sequence[Any] | None, settings: CompareSettings,
                  warn: Warn | None = None) -> tuple[Comparison, list[Option]]:
    """The comparison a report shows, and the options themselves (for its maps), sub-units included."""
    with reading(settings):
        loaded = load_options(options, subunits=settings.subunits)
        comparison = compare_loaded(loaded, against, replace(settings, subunits=False), warn)
    return comparison, loaded
