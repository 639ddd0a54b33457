"""The overlap engine: how much of each polygon of one set lies in each polygon of another.

Two paths, one answer:

* **geometry** (:func:`intersection_areas`): exact areas in EPSG:27700 for any two polygon sets. An
  STRtree query (predicate ``intersects``, the query side prepared) finds candidate pairs; a pair where
  one polygon covers the other (prepared ``covers``, both ways) needs no intersection: its area is the
  covered polygon's area; pairs whose boxes only touch are skipped; the remaining intersections run
  vectorised in ``shapely.intersection`` across worker threads; zero-area (touch-only) pairs are dropped.
  (GEOS's overlay clips each input to the other's envelope itself, so no separate clip is done.)
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
    """True when the left side should be the prepared query side: the side with fewer polygons, each of
    which is then prepared once and tested against many candidates from the tree (ties: more vertices)."""
    import shapely

    if len(left) != len(right):
        return len(left) < len(right)
    return shapely.get_num_coordinates(left).sum() >= shapely.get_num_coordinates(right).sum()


def intersection_areas(left: Any, right: Any, *, geometry: bool = False) -> Pairs:
    """Exact area (m²) of every overlapping pair of two polygon arrays (both in the same metric CRS).

    Pairs whose intersection has zero area (touching edges, shared corners) are left out. With
    ``geometry=True`` the intersection geometries are returned too, as pieces (see :class:`Pairs`).
    """
    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    if _orient(left, right):
        return _areas(left, right, geometry)
    flipped = _areas(right, left, geometry)
    return Pairs(flipped.right, flipped.left, flipped.area, flipped.piece_pair, flipped.piece_geometry)


def _areas(big: np.ndarray, small: np.ndarray, geometry: bool) -> Pairs:
    """The engine with ``big`` (the side with fewer polygons) prepared as the query side, ``small`` in the tree."""
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
        pair_area, piece_pair, piece_geom = _cut_pairs(big, small, ib[todo], js[todo], geometry)
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
    big: np.ndarray, small: np.ndarray, ib: np.ndarray, js: np.ndarray, geometry: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Intersection areas of pairs (big[ib[k]], small[js[k]]), vectorised across worker threads.

    No clipping of the big polygon to the small one's box first: GEOS's overlay already clips its
    inputs to the other's envelope, and measured on LSOAs x generalised LADs and full-resolution CCGs
    a pre-clip (clip_by_rect, then a validity check) saved nothing and moved areas by up to 2e-8.
    """
    import shapely

    inter = _parallel(shapely.intersection, big[ib], small[js])
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
    atom_index = dict(zip(map(str, first.index.tolist()), range(len(first)), strict=True))
    left_codes, lu = _unit_of_atom(left, atom_index)
    right_codes, ru = _unit_of_atom(right, atom_index)
    both = (lu >= 0) & (ru >= 0)
    cell = lu[both] * len(right_codes) + ru[both]
    size = len(left_codes) * len(right_codes)
    out = {}
    for name, series in weights.items():
        aligned = series if series.index is first.index else series.reindex(first.index)
        values = aligned.fillna(0.0).to_numpy(dtype=float)[both]
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
    first = next(iter(weights.values()))
    counted = {**weights, "__atoms": pd.Series(np.ones(len(first)), index=first.index)}
    left_codes, right_codes, matrices = membership_matrix(left, right, counted)
    li, ri = np.nonzero(matrices.pop("__atoms") > 0)
    columns = {"left": np.asarray(left_codes, dtype=object)[li], "right": np.asarray(right_codes, dtype=object)[ri]}
    columns.update((name, matrices[name][li, ri]) for name in names)
    return pd.DataFrame(columns)


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


def internal_boundaries(places: Any) -> np.ndarray:
    """Each place's boundary without the footprint's outer edge (taken out with a 0.5 m band, for float
    noise between identical edges), for :func:`boundary_lengths`."""
    import shapely

    places = np.asarray(places, dtype=object)
    footprint = shapely.union_all(places)
    edge = shapely.buffer(shapely.boundary(footprint), 0.5, quad_segs=1)
    shapely.prepare(edge)
    return shapely.difference(shapely.boundary(places), edge)


def boundary_zone(reference: Any, snap: float, window: tuple[float, float, float, float] | None = None) -> Any:
    """Everything within ``snap`` metres of some boundary of the reference units (inside ``window``)."""
    import shapely

    reference = np.asarray(reference, dtype=object)
    if window is not None:
        minx, miny, maxx, maxy = window
        box = (minx - snap, miny - snap, maxx + snap, maxy + snap)
        near = shapely.intersects(shapely.box(*box), reference)
        lines = shapely.boundary(reference[near])
        lines = shapely.clip_by_rect(shapely.union_all(lines), *box)
    else:
        lines = shapely.union_all(shapely.boundary(reference))
    zone = shapely.buffer(lines, snap, quad_segs=2)
    shapely.prepare(zone)
    return zone


def boundary_rings(units: Any, snap: float) -> np.ndarray:
    """Per unit, the band inside it within ``snap`` metres of its own boundary: R_i minus R_i shrunk by snap.

    A point inside some unit is within ``snap`` of a boundary of the layer exactly when it lies in its own
    unit's band (the nearest boundary point is on its own unit's boundary); bands of different units
    meet only along shared boundaries (see :func:`boundary_lengths` for how those are counted once).
    """
    import shapely

    units = np.asarray(units, dtype=object)
    return shapely.difference(units, shapely.buffer(units, -snap, quad_segs=2))


def _matched_outside(internal: np.ndarray, reference: np.ndarray, snap: float) -> np.ndarray:
    """Length of internal lines lying outside every reference unit yet within ``snap`` of the layer's
    boundaries (e.g. across an estuary the layer clips to the coastline). The band is built only from
    the boundary pieces near those lines, so it stays small."""
    import shapely

    outside = shapely.difference(internal, shapely.union_all(reference))
    if not shapely.length(outside).any():
        return np.zeros(len(internal))
    region = shapely.buffer(shapely.union_all(outside), snap, quad_segs=2)
    near = reference[shapely.intersects(reference, region)]
    pieces = shapely.intersection(shapely.multilinestrings(shapely.get_parts(shapely.boundary(near))), region)
    zone = shapely.buffer(pieces, snap, quad_segs=2)
    return shapely.length(shapely.intersection(outside, zone))


def boundary_lengths(places: Any, reference: Any = None, snap: float = 50.0, *, internal: Any = None,
                     zone: Any = None, covered: bool = False, gaps: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Per place: length (m) of its boundary off the footprint's outer edge, and how much of it lies
    within ``snap`` metres of some boundary of the reference units (for metrics.boundary_match).

    ``internal`` (:func:`internal_boundaries`) may be passed in when reused across reference layers.
    With ``covered`` (the reference units cover the footprint) the fast way needs no union of the
    layer's boundaries: sum over units of the length inside each unit's band (:func:`boundary_rings`),
    minus half the length lying on unit boundaries (a line on the boundary shared by two units lies in
    both bands; internal place edges cannot lie on the layer's outer edge when the layer covers F).
    Otherwise the band ``zone`` around the whole layer's boundaries (:func:`boundary_zone`) is used.
    """
    import shapely

    places = np.asarray(places, dtype=object)
    internal = internal_boundaries(places) if internal is None else internal
    total = shapely.length(internal)
    if not total.any():
        return total, np.zeros(len(places))
    if covered and reference is not None:
        reference = np.asarray(reference, dtype=object)
        rings = boundary_rings(reference, snap)
        li, ri = shapely.STRtree(rings).query(internal)
        inside = shapely.length(shapely.intersection(internal[li], rings[ri]))
        on_edge = shapely.length(shapely.intersection(internal[li], shapely.boundary(reference[ri])))
        matched = np.bincount(li, weights=inside - 0.5 * on_edge, minlength=len(places))
        if gaps:  # lines in gaps between the units (only when the units do not cover F exactly)
            matched += _matched_outside(internal, reference, snap)
        return total, np.minimum(matched, total)
    if zone is None:
        if reference is None or not len(reference):
            return total, np.zeros(len(places))
        zone = boundary_zone(reference, snap, tuple(shapely.total_bounds(places)))
    matched = shapely.length(shapely.intersection(internal, zone))
    return total, matched
