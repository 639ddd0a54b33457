"""Small-area population of any polygon: areal weighting inside each small area (LSOA).

pop(X) = sum over small areas L of pop(L) * area(L ∩ X) / area(L)   (docs/metrics.md)

Exact when X is a union of whole small areas; then :func:`atom_weights` gives the same figure as a
plain sum over membership, with no geometry at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from placegeo.errors import LayerError

if TYPE_CHECKING:
    import pandas as pd

    from placegeo.layers import Layer
    from placegeo.options import Option
    from placegeo.overlaps import Pairs


COVERAGE_WARN = 0.99
"""A population layer must cover this share of a footprint's area; below it, people are undercounted."""


def population_for(layers: Sequence[Layer] = (), source: Any = None, *, options: Sequence[Option] = ()) -> Layer:
    """The one population policy: the small-area layer that counts the people of ``options`` (or, with no
    option, of ``layers``). Used by compare, overlap, bestfit, report, map and validate alike.

    1. ``source`` when given (an id, a path or a Layer).
    2. When every subject is bundled (options built of a bundled layer's blocks, bundled layers), the
       default of their catalogue region (``lsc`` -> ``lsoa11``, ``england`` -> ``england/lsoa21``; a mix
       takes the non-L&SC region).
    3. Otherwise (a user's own file is involved) the first bundled population layer covering at least
       :data:`COVERAGE_WARN` of every subject's area, the region defaults of the bundled layers involved
       first; when none does, the one covering most.
    """
    if source is not None:
        return population_layer(source)
    from placegeo.catalogue import default_population_layer, population_layers

    subjects: list[Any] = list(options) if options else list(layers)
    entries = [_entry_of(s) for s in subjects]
    if subjects and all(e is not None for e in entries):
        regions = {e.region for e in entries if e is not None}
        return population_layer(default_population_layer(_region(regions)))
    hints = [e.region for e in entries if e is not None] + [x.entry.region for x in layers if x.entry is not None]
    first = [default_population_layer(r) for r in dict.fromkeys(hints)]
    best: tuple[float, Layer] | None = None
    for layer_id in dict.fromkeys(first + population_layers()):
        layer = population_layer(layer_id)
        covered = min((coverage(s, layer) for s in subjects), default=1.0)
        if covered >= COVERAGE_WARN:
            return layer
        if best is None or covered > best[0]:
            best = (covered, layer)
    assert best is not None
    return best[1]


def _region(regions: set[str]) -> str:
    return "lsc" if regions == {"lsc"} else sorted(regions - {"lsc"})[0]


def _entry_of(subject: Any) -> Any:
    """The catalogue entry a subject is bundled under: an option's blocks layer, or a layer's own."""
    blocks = getattr(subject, "blocks", None)
    if hasattr(subject, "places"):  # an option
        return blocks.entry if blocks is not None else None
    return subject.entry


def coverage(subject: Any, pop: Layer) -> float:
    """Share of a subject's area (an option's footprint, or a layer's units) the population layer covers.

    1 when the subject is built of the population layer's own atoms, or bundled in the same catalogue
    region (the bundled layers of a region cover the same ground); otherwise measured."""
    entry = _entry_of(subject)
    if getattr(subject, "atom_layer", None) == pop.id:
        return 1.0
    if entry is not None and pop.entry is not None and entry.region == pop.entry.region:
        return 1.0
    return covered_share(subject.frame.geometry.values, pop)


def population_coverage(option: Option, pop: Layer) -> float:
    """Share of the option's footprint area that the population layer's small areas cover (see :func:`coverage`)."""
    return coverage(option, pop)


def people_in(area: Any, pop: Layer) -> tuple[int, list[str]]:
    """The one people-in-area method: people living in the polygon ``area`` by areal weighting inside each
    small area of ``pop`` (exact when ``area`` is a union of whole small areas), rounded to a whole
    person, and the codes of the small areas it meets (by area), largest share first.

    This is :func:`population_of` for one polygon; the option checks call it to count the people a
    footprint's uncovered parts hold."""
    from placegeo.overlaps import intersection_areas

    pairs = intersection_areas(np.asarray([area], dtype=object), np.asarray(pop.frame.geometry.values, dtype=object))
    people = _weighted(pairs.left, pairs.right, pairs.area, pop, 1)
    arrays = atom_arrays(pop)[1]
    share = np.divide(pairs.area, arrays["area"][pairs.right], out=np.zeros_like(pairs.area),
                      where=arrays["area"][pairs.right] > 0)
    codes = np.asarray(pop.codes, dtype=object)[pairs.right[np.argsort(-share, kind="stable")]]
    return int(round(float(people[0]))), [str(c) for c in codes]


def people_counter(subject: Any) -> Callable[[Any], tuple[int, list[str]]] | None:
    """For the option checks: a function counting the people in any polygon inside ``subject``'s area (a
    layer, e.g. an option's footprint, or an option) by :func:`people_in`, with the population layer the
    one policy chooses (:func:`population_for`); None when no population layer can be read."""
    from placegeo.errors import PlacegeoError

    try:
        pop = population_for(options=[subject]) if hasattr(subject, "places") else population_for([subject])
    except PlacegeoError:
        return None
    return lambda area: people_in(area, pop)


def covered_share(geoms: Any, pop: Layer) -> float:
    """Share of the area of polygons ``geoms`` that the population layer's small areas cover."""
    import shapely

    from placegeo.overlaps import intersection_areas

    geoms = np.asarray(geoms, dtype=object)
    total = float(shapely.area(geoms).sum())
    if total <= 0:
        return 1.0
    pairs = intersection_areas(geoms, np.asarray(pop.frame.geometry.values, dtype=object))
    return min(1.0, float(np.sum(pairs.area)) / total)


def population_layer(source: Any = None) -> Layer:
    """The small-area population layer: ``source`` (id, path or Layer) or the bundled default (lsoa11)."""
    from placegeo.catalogue import default_population_layer

    if source is None or isinstance(source, str):
        layer = _cached(default_population_layer("lsc") if source is None else source)
    else:
        from placegeo.layers import as_layer

        layer = as_layer(source)
    if not layer.population:
        raise LayerError("has no population column (POP...)", path=layer.source,
                         hint="pass a small-area population layer such as lsoa11 or england/lsoa21")
    return layer


@functools.lru_cache(maxsize=8)
def _cached(source: str) -> Layer:
    """A population layer read once; a bundled one is the shared read-only Layer (no copy of its frame, and
    its per-atom arrays and unit owners computed once for compare, membership and population alike)."""
    from placegeo.catalogue import is_bundled
    from placegeo.layers import bundled_layer, load_layer

    return bundled_layer(source) if is_bundled(source) else load_layer(source)


def values(pop: Layer) -> np.ndarray:
    """Population of each small area, as floats (missing values count as 0)."""
    import pandas as pd

    return pd.to_numeric(pop.frame[pop.population], errors="coerce").fillna(0.0).to_numpy(dtype=float)


def atom_weights(pop: Layer) -> dict[str, pd.Series]:
    """Area (m², EPSG:27700) and population of each small area, indexed by its code."""
    import pandas as pd

    codes = pd.Index(pop.codes)  # one index shared by both series: aligned without a reindex
    return {
        "area_m2": pd.Series(pop.frame.geometry.area.to_numpy(dtype=float), index=codes),
        "population": pd.Series(values(pop), index=codes),
    }


def atom_source(atom_layer_id: str, pop: Layer | None) -> Layer:
    """The layer the membership path reads atom weights from: ``pop`` when it is the atom layer."""
    return pop if pop is not None and pop.id == atom_layer_id else _cached(atom_layer_id)


def atom_arrays(layer: Layer) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """(atom code -> position, {"area": m², "population": people} in that order) of a small-area layer,
    computed once per Layer object (the same figures as :func:`atom_weights`, as plain numpy)."""
    cached = layer.derived.get("atom_arrays")
    if cached is None:
        from placegeo.layers import feature_areas

        codes = layer.codes
        index = dict(zip(codes, range(len(codes)), strict=True))
        area = feature_areas(layer)
        arrays = {"area": area, "population": values(layer) if layer.population else np.zeros(len(codes))}
        cached = (index, arrays)
        layer.derived["atom_arrays"] = cached
    return cached


def weights_for(atom_layer_id: str, pop: Layer | None) -> dict[str, pd.Series]:
    """Per-atom weights for the membership path: area always, population when ``pop`` is the atom layer."""
    source = atom_source(atom_layer_id, pop)
    weights = atom_weights(source)
    if pop is None:
        weights.pop("population")
    return weights


BATCH = 4_000
"""Polygons weighed against the small areas in one overlap-engine call: more (the units of a big reference
layer, or its pieces in the places) are weighed batch by batch, so the engine's candidate pairs, prepared
copies and intersections hold one batch at a time (about 30 kB a polygon: memory bounded, time linear)."""


def population_of(geoms: np.ndarray, pop: Layer, per_atom: np.ndarray | None = None) -> np.ndarray:
    """Population of each polygon by areal weighting inside each small area of ``pop`` (or ``per_atom``,
    another value per small area, weighted the same way); :data:`BATCH` polygons at a time."""
    return weighted_sums(geoms, pop, {"value": per_atom})["value"]


def weighted_sums(geoms: Any, pop: Layer, per_atom: Mapping[str, np.ndarray | None]) -> dict[str, np.ndarray]:
    """Each value of ``per_atom`` (one per small area of ``pop``; None: its population) areal weighted into
    each polygon of ``geoms``, the overlaps measured once for all of them, :data:`BATCH` polygons at a time."""
    from placegeo.overlaps import intersection_areas

    geoms = np.asarray(geoms, dtype=object)
    small = np.asarray(pop.frame.geometry.values, dtype=object)
    out = {key: np.zeros(len(geoms)) for key in per_atom}
    for start in range(0, len(geoms), BATCH):
        part = geoms[start:start + BATCH]
        pairs = intersection_areas(part, small)
        for key, values in per_atom.items():
            out[key][start:start + len(part)] = _weighted(pairs.left, pairs.right, pairs.area, pop, len(part), values)
    return out


def population_of_pieces(pairs: Pairs, pop: Layer, n_pairs: int, per_atom: np.ndarray | None = None) -> np.ndarray:
    """Population of each pair's intersection, from the pieces the overlap engine returned; with ``per_atom``
    (one value per small area of ``pop``, e.g. its Core20 residents), that value areal weighted instead."""
    return pieces_weighted(pairs, pop, n_pairs, {"value": per_atom})["value"]


def pieces_weighted(pairs: Pairs, pop: Layer, n_pairs: int,
                    per_atom: Mapping[str, np.ndarray | None]) -> dict[str, np.ndarray]:
    """:func:`population_of_pieces` for several values at once (None: population), the pieces weighed once."""
    if pairs.piece_geometry is None or not len(pairs.piece_geometry):
        return {key: np.zeros(n_pairs) for key in per_atom}
    per_piece = weighted_sums(pairs.piece_geometry, pop, per_atom)
    assert pairs.piece_pair is not None
    return {key: np.bincount(pairs.piece_pair, weights=v, minlength=n_pairs) for key, v in per_piece.items()}


def _weighted(target: np.ndarray, small: np.ndarray, area: np.ndarray, pop: Layer, n: int,
              per_atom: np.ndarray | None = None) -> np.ndarray:
    """sum over pairs of pop(L) * area(L ∩ X) / area(L), grouped by X (``per_atom`` in place of pop(L))."""
    arrays = atom_arrays(pop)[1]  # area(L) and pop(L), once per population layer
    small_area = arrays["area"][small]
    fraction = np.divide(area, small_area, out=np.zeros_like(area), where=small_area > 0)
    values = arrays["population"] if per_atom is None else per_atom
    return np.bincount(target, weights=values[small] * np.minimum(fraction, 1.0), minlength=n)
