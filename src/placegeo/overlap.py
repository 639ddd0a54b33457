"""The overlap engine: how much of each polygon of one set lies in each polygon of another.

Two paths, one answer:

* **geometry** (:func:`intersection_areas`): exact areas in EPSG:27700 for any two polygon sets. An
  STRtree query (predicate ``intersects``, the query side prepared) finds candidate pairs; a pair where
  one polygon covers the other (prepared ``covers``, both ways) needs no intersection: its area is the
  covered polygon's area; pairs whose boxes only touch are skipped; a detailed polygon (more than
  ``MAX_VERTICES`` vertices) is clipped to its partner's box first; the remaining intersections run
  vectorised in ``shapely.intersection`` across worker threads; zero-area (touch-only) pairs are dropped.
* **membership** (:func:`membership_overlap`): when both sets are unions of the same atoms (whole
  LSOAs), an overlap is the sum of the atoms' weights over the atoms the two units share. No geometry.

:func:`overlap` is the public front door: two layers (ids, paths, :class:`~placegeo.layers.Layer` or
GeoDataFrames) in, a long-format table out (left code, right code, ``area_m2``, ``population``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from placegeo.layers import Layer

MAX_VERTICES = 1000
"""A polygon with more vertices than this is clipped to its partner's box before intersecting."""

CHUNK = 2048
"""Pairs per vectorised batch handed to a worker thread."""


@dataclass
class Pairs:
    """Overlapping pairs of two polygon sets: index into left, index into right, intersection area (m²).

    ``pieces`` (only when asked for) holds intersection geometries as (pair index, geometry) arrays;
    several pieces may belong to one pair (their areas add up to the pair's area).
    """

    left: np.ndarray
    right: np.ndarray
    area: np.ndarray
    piece_pair: np.ndarray | None = None
    piece_geometry: np.ndarray | None = None


def workers() -> int:
    """Threads for vectorised geometry work (shapely releases the GIL): ``PLACEGEO_WORKERS`` or 2."""
    try:
        return max(1, int(os.environ.get("PLACEGEO_WORKERS", "2")))
    except ValueError:
        return 2


def _parallel(func, *arrays: np.ndarray) -> np.ndarray:
    """Apply a vectorised shapely function to aligned arrays in chunks across worker threads."""
    n = len(arrays[0])
    threads = workers()
    if n < 2 * CHUNK or threads == 1:
        return func(*arrays)
    bounds = list(range(0, n, CHUNK)) + [n]
    slices = [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(lambda s: func(*(a[s] for a in arrays)), slices))
    return np.concatenate(parts)


def _orient(left: np.ndarray, right: np.ndarray) -> bool:
    """True when the left side should be the prepared query side (its polygons are the more detailed)."""
    import shapely

    def mean_vertices(g):
        return shapely.get_num_coordinates(g).sum() / max(len(g), 1)

    return mean_vertices(left) >= mean_vertices(right)


def intersection_areas(
    left: Any, right: Any, *, geometry: bool = False, max_vertices: int = MAX_VERTICES
) -> Pairs:
    """Exact area (m²) of every overlapping pair of two polygon arrays (both in the same metric CRS).

    Pairs whose intersection has zero area (touching edges, shared corners) are left out. With
    ``geometry=True`` the intersection geometries are returned too, as pieces (see :class:`Pairs`).
    """
    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    if _orient(left, right):
        return _areas(left, right, geometry, max_vertices)
    flipped = _areas(right, left, geometry, max_vertices)
    return Pairs(flipped.right, flipped.left, flipped.area, flipped.piece_pair, flipped.piece_geometry)


def _areas(big: np.ndarray, small: np.ndarray, geometry: bool, max_vertices: int) -> Pairs:
    """The engine with ``big`` (more detailed polygons) prepared as the query side, ``small`` in the tree."""
    import shapely

    empty = np.empty(0, dtype=np.int64)
    if not len(big) or not len(small):
        return Pairs(empty, empty, np.empty(0), empty if geometry else None,
                     np.empty(0, dtype=object) if geometry else None)
    tree = shapely.STRtree(small)
    shapely.prepare(big)
    ib, js = tree.query(big, predicate="intersects")
    area_small = shapely.area(small)
    area_big = shapely.area(big)
    # containment shortcuts: a covered polygon's overlap is its own area, no intersection needed
    # prepared predicates stay on one thread: GEOS builds a prepared geometry's indexes lazily, unsafely
    covered = shapely.covers(big[ib], small[js])
    rest = ~covered
    shapely.prepare(small)
    inside = np.zeros(len(ib), dtype=bool)
    inside[rest] = shapely.covers(small[js[rest]], big[ib[rest]])
    area = np.where(covered, area_small[js], 0.0)
    area = np.where(inside, area_big[ib], area)
    todo = np.flatnonzero(~covered & ~inside & _boxes_overlap(big[ib], small[js]))
    pieces_pair: list[np.ndarray] = []
    pieces_geom: list[np.ndarray] = []
    if len(todo):
        pair_area, piece_pair, piece_geom = _cut_pairs(big, small, ib[todo], js[todo], geometry, max_vertices)
        area[todo] = pair_area
        if geometry:
            pieces_pair.append(todo[piece_pair])
            pieces_geom.append(piece_geom)
    if geometry:
        whole = np.flatnonzero(covered | inside)
        pieces_pair.append(whole)
        pieces_geom.append(np.where(covered[whole], small[js[whole]], big[ib[whole]]))
    keep = area > 0
    result = Pairs(ib[keep], js[keep], area[keep])
    if geometry:
        old_to_new = np.cumsum(keep) - 1
        pp = np.concatenate(pieces_pair)
        pg = np.concatenate(pieces_geom)
        ok = keep[pp] & ~shapely.is_empty(pg)
        result.piece_pair = old_to_new[pp[ok]]
        result.piece_geometry = pg[ok]
    return result


def _boxes_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where the bounding boxes share some area (if not, the polygons can only touch)."""
    import shapely

    ba, bb = shapely.bounds(a), shapely.bounds(b)
    return (np.minimum(ba[:, 2], bb[:, 2]) > np.maximum(ba[:, 0], bb[:, 0])) & (
        np.minimum(ba[:, 3], bb[:, 3]) > np.maximum(ba[:, 1], bb[:, 1]))


def _cut_pairs(
    big: np.ndarray, small: np.ndarray, ib: np.ndarray, js: np.ndarray, geometry: bool, max_vertices: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Intersection areas of pairs (big[ib[k]], small[js[k]]).

    A big polygon with more than ``max_vertices`` vertices is first clipped to the small one's box
    (the intersection lies inside it): a linear-time cut, checked for validity, with the whole polygon
    used where the cut came out invalid.
    """
    import shapely

    left = big[ib]
    detailed = np.flatnonzero(shapely.get_num_coordinates(left) > max_vertices)
    if len(detailed):
        boxes = shapely.bounds(small[js[detailed]])
        clipped = np.array([shapely.clip_by_rect(g, *b) for g, b in zip(left[detailed], boxes, strict=True)],
                           dtype=object)
        ok = shapely.is_valid(clipped)
        left = left.copy()
        left[detailed[ok]] = clipped[ok]
    inter = _parallel(shapely.intersection, left, small[js])
    areas = shapely.area(inter)
    if not geometry:
        return areas, np.empty(0, dtype=np.int64), None
    positive = np.flatnonzero(areas > 0)
    return areas, positive, _polygonal(inter[positive])


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of intersection results (drop touching lines and points)."""
    import shapely

    mixed = shapely.get_type_id(geoms) == 7
    if not mixed.any():
        return geoms
    out = geoms.copy()
    for k in np.flatnonzero(mixed):
        parts = [p for p in shapely.get_parts(geoms[k]) if shapely.get_type_id(p) in (3, 6)]
        out[k] = shapely.union_all(parts) if parts else shapely.Polygon()
    return out


def membership_matrix(
    left: Mapping[str, frozenset[str]], right: Mapping[str, frozenset[str]], weights: Mapping[str, pd.Series]
) -> tuple[list[str], list[str], dict[str, np.ndarray]]:
    """Overlap matrices of two unions of the same atoms: (left codes, right codes, weight -> array).

    ``weights`` maps a weight name (``area_m2``, ``population``) to a Series indexed by atom code.
    Exact, and no geometry: w(A ∩ B) = sum of w(atom) over atoms in both A and B. Within one side
    units are disjoint (each atom in at most one unit), so the sum is one ``bincount``.
    """
    first = next(iter(weights.values()))
    atom_index = {code: k for k, code in enumerate(first.index.astype(str))}
    left_codes, lu = _unit_of_atom(left, atom_index)
    right_codes, ru = _unit_of_atom(right, atom_index)
    both = (lu >= 0) & (ru >= 0)
    cell = lu[both] * len(right_codes) + ru[both]
    size = len(left_codes) * len(right_codes)
    out = {}
    for name, series in weights.items():
        values = series.reindex(first.index).fillna(0.0).to_numpy(dtype=float)[both]
        out[name] = np.bincount(cell, weights=values, minlength=size).reshape(len(left_codes), len(right_codes))
    return left_codes, right_codes, out


def _unit_of_atom(table: Mapping[str, frozenset[str]], atom_index: dict[str, int]) -> tuple[list[str], np.ndarray]:
    from placegeo.errors import UsageError

    codes = [str(c) for c in table]
    owner = np.full(len(atom_index), -1, dtype=np.int64)
    for k, code in enumerate(codes):
        idx = [atom_index[a] for a in table[code] if a in atom_index]
        if len(idx) and (owner[idx] >= 0).any():
            raise UsageError(f"unit '{code}' shares atoms with another unit of the same layer")
        owner[idx] = k
    return codes, owner


def membership_overlap(
    left: Mapping[str, frozenset[str]], right: Mapping[str, frozenset[str]], weights: Mapping[str, pd.Series]
) -> pd.DataFrame:
    """:func:`membership_matrix` in long format: one row per (left, right) pair sharing atoms."""
    import pandas as pd

    names = list(weights)
    counted = {**weights, "__atoms": pd.Series(1.0, index=next(iter(weights.values())).index)}
    left_codes, right_codes, matrices = membership_matrix(left, right, counted)
    li, ri = np.nonzero(matrices.pop("__atoms") > 0)
    table = pd.DataFrame({"left": np.asarray(left_codes, dtype=object)[li],
                          "right": np.asarray(right_codes, dtype=object)[ri]})
    for name in names:
        table[name] = matrices[name][li, ri]
    return table


# --------------------------------------------------------------------------------------------------
# the public front door


def overlap(
    a: Any,
    b: Any,
    *,
    weight: str = "area",
    population: Any = None,
    exact: bool = True,
) -> pd.DataFrame:
    """Tabulate the overlap of two layers, long format: one row per pair with a positive overlap.

    ``a`` and ``b`` are bundled layer ids, paths, :class:`~placegeo.layers.Layer` objects or
    GeoDataFrames (first column that looks like a code is the code). ``weight`` is ``area``,
    ``population`` or ``both``; population comes from ``population`` (a small-area layer, default
    the bundled ``lsoa11``) by areal weighting inside each small area. With ``exact`` (default) and
    both layers built from the same atoms, the membership path is used.

    Columns: ``left``, ``left_name``, ``right``, ``right_name``, ``area_m2``, ``population`` (when
    asked), ``left_share`` and ``right_share`` (of the left / right unit's own weight).
    """
    import pandas as pd

    from placegeo.errors import UsageError
    from placegeo.population import population_layer, weights_for

    if weight not in ("area", "population", "both"):
        raise UsageError(f"unknown weight '{weight}'", hint="use area, population or both")
    la, lb = as_layer(a), as_layer(b)
    want_pop = weight in ("population", "both")
    pop = population_layer(population) if want_pop else None
    members = _shared_members(la, lb, pop) if exact else None
    if members is not None:
        ma, mb, atoms = members
        weights = weights_for(atoms, pop)
        table = membership_overlap(ma, mb, weights)
        own_a = _sum_members(ma, weights)
        own_b = _sum_members(mb, weights)
    else:
        table, own_a, own_b = _geometric_table(la, lb, pop)
    table = table.rename(columns={"left": "left", "right": "right"})
    primary = "population" if weight == "population" else "area_m2"
    table = table[table[primary] > 0] if weight == "population" else table
    table["left_share"] = _safe_div(table[primary], table["left"].map(own_a[primary]))
    table["right_share"] = _safe_div(table[primary], table["right"].map(own_b[primary]))
    names_a = dict(zip(la.codes, la.names, strict=True))
    names_b = dict(zip(lb.codes, lb.names, strict=True))
    table.insert(1, "left_name", table["left"].map(names_a))
    table.insert(3, "right_name", table["right"].map(names_b))
    if weight == "area" and "population" in table:
        table = table.drop(columns="population")
    if weight == "population":
        table = table.drop(columns="area_m2")
    return pd.DataFrame(table).sort_values(["left", "right"]).reset_index(drop=True)


def as_layer(source: Any) -> Layer:
    """A Layer from an id, a path, a Layer, or a GeoDataFrame (reprojected to EPSG:27700)."""
    from placegeo.layers import Layer, load_layer

    if isinstance(source, Layer):
        return source
    try:
        import geopandas as gpd
    except ImportError:  # pragma: no cover
        gpd = None
    if gpd is not None and isinstance(source, gpd.GeoDataFrame):
        frame = source.to_crs("EPSG:27700").reset_index(drop=True)
        cols = [c for c in frame.columns if c != frame.geometry.name]
        code = next((c for c in cols if str(c).upper().endswith("CD") or str(c).lower() in ("code", "id")),
                    cols[0] if cols else None)
        if code is None:
            frame = frame.assign(code=[str(i) for i in range(len(frame))])
            code = "code"
        name = next((c for c in cols if str(c).upper().endswith("NM") or str(c).lower() in ("name", "place")),
                    code)
        return Layer(id="frame", title="frame", frame=frame, code=code, name=name, source="<frame>")
    return load_layer(source)


def _shared_members(la: Layer, lb: Layer, pop: Layer | None):
    """(members of a, members of b, atom layer) when both are unions of the same bundled atoms."""
    from placegeo.membership import atom_layer, unit_members

    if la.entry is None or lb.entry is None:
        return None
    atoms = atom_layer(la.id)
    if atoms is None or atoms != atom_layer(lb.id):
        return None
    if pop is not None and pop.id != atoms:
        return None
    ma, mb = unit_members(la.id), unit_members(lb.id)
    if ma is None or mb is None:
        return None
    return ma, mb, atoms


def _sum_members(members: Mapping[str, frozenset[str]], weights: Mapping[str, pd.Series]) -> pd.DataFrame:
    import pandas as pd

    rows = {code: {k: float(s.reindex(list(atoms)).fillna(0).sum()) for k, s in weights.items()}
            for code, atoms in members.items()}
    return pd.DataFrame.from_dict(rows, orient="index")


def _geometric_table(la: Layer, lb: Layer, pop: Layer | None):
    import pandas as pd
    import shapely

    from placegeo.population import population_of, population_of_pieces

    ga, gb = la.frame.geometry.values, lb.frame.geometry.values
    pairs = intersection_areas(ga, gb, geometry=pop is not None)
    codes_a, codes_b = np.asarray(la.codes), np.asarray(lb.codes)
    table = pd.DataFrame({"left": codes_a[pairs.left], "right": codes_b[pairs.right], "area_m2": pairs.area})
    own_a = pd.DataFrame({"area_m2": shapely.area(np.asarray(ga))}, index=codes_a)
    own_b = pd.DataFrame({"area_m2": shapely.area(np.asarray(gb))}, index=codes_b)
    if pop is not None:
        table["population"] = population_of_pieces(pairs, pop, len(pairs.area))
        own_a["population"] = population_of(np.asarray(ga), pop)
        own_b["population"] = population_of(np.asarray(gb), pop)
    return table, own_a, own_b


def _safe_div(num, den):
    den = np.asarray(den, dtype=float)
    num = np.asarray(num, dtype=float)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def overlay_areas(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, left_code: str, right_code: str) -> pd.Series:
    """The baseline: geopandas.overlay + groupby, area per (left, right) code pair (for tests and bench)."""
    import geopandas as gpd

    both = gpd.overlay(left[[left_code, "geometry"]], right[[right_code, "geometry"]], how="intersection",
                       keep_geom_type=True)
    both["area_m2"] = both.geometry.area
    return both.groupby([left_code, right_code])["area_m2"].sum()


def boundary_lengths(places: Any, reference: Any, snap: float) -> tuple[np.ndarray, np.ndarray]:
    """Per place: length (m) of its boundary off the footprint's outer edge, and how much of it lies
    within ``snap`` metres of some boundary of the reference units (for metrics.boundary_match).

    The footprint's outer edge is taken out with a 0.5 m margin (float noise between identical edges).
    """
    import shapely

    places = np.asarray(places, dtype=object)
    reference = np.asarray(reference, dtype=object)
    footprint = shapely.union_all(places)
    outer = shapely.buffer(shapely.boundary(footprint), 0.5, quad_segs=2)
    internal = shapely.difference(shapely.boundary(places), outer)
    total = shapely.length(internal)
    if not len(reference) or not total.any():
        return total, np.zeros(len(places))
    window = shapely.buffer(shapely.envelope(footprint), snap)
    lines = shapely.clip_by_rect(shapely.union_all(shapely.boundary(reference)), *shapely.bounds(window))
    zone = shapely.buffer(lines, snap, quad_segs=2)
    shapely.prepare(zone)
    matched = shapely.length(shapely.intersection(internal, zone))
    return total, matched


from placegeo._callable import make_callable  # noqa: E402

make_callable(__name__, "overlap")
