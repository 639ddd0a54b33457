"""The overlap engine: how much of each polygon of one set lies in each polygon of another.

Two paths, one answer:

* **geometry** (:func:`intersection_areas`): exact areas in EPSG:27700 for any two polygon sets. An
  STRtree box query finds candidate pairs (boxes that only touch are skipped); batches of pairs run on
  worker threads (shapely releases the GIL), each with its own prepared copy of the query side. A pair
  where one polygon covers the other needs no intersection: its area is the covered polygon's area
  (prepared ``covers``, in bulk); disjoint pairs are dropped (prepared ``intersects``); the pairs that
  truly straddle are intersected with ``shapely.intersection``, the polygon with many vertices first
  clipped to the other's box (grown by a margin, so the cut never reaches the result); zero-area
  (touch-only) pairs are dropped.
* **membership** (:func:`membership_overlap`): when both sets are unions of the same atoms (whole
  LSOAs), an overlap is the sum of the atoms' weights over the atoms the two units share. No geometry.

:func:`overlap` is the public front door: two layers (ids, paths, :class:`~placegeo.layers.Layer` or
GeoDataFrames) in, a long-format table out (left code, right code, ``area_m2``, ``population``).
"""

from __future__ import annotations

import contextlib
import os
import threading
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
"""Candidate pairs per batch handed to a worker thread."""

CLIP_MIN_COORDS = 64
"""Clip the big polygon of a straddling pair to the small one's box when it has more vertices than this
(and more than the small one): GEOS's overlay then nodes a few dozen edges instead of thousands."""

CLIP_MARGIN = 1.0
"""Metres added around the small polygon's box before clipping, so the cut lines (and the new vertices
on them) lie strictly outside the small polygon and cannot change the intersection."""


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
    """Threads for geometry work (shapely releases the GIL): ``PLACEGEO_WORKERS``, else min(2, cores)."""
    default = min(2, os.cpu_count() or 1)
    try:
        return max(1, int(os.environ.get("PLACEGEO_WORKERS", default)))
    except ValueError:
        return default


def _orient(left: np.ndarray, right: np.ndarray) -> bool:
    """True when the left side should be the prepared query side: the side with fewer polygons, each of
    which is then prepared once and tested against many candidates from the tree (ties: more vertices)."""
    import shapely

    if len(left) != len(right):
        return len(left) < len(right)
    return shapely.get_num_coordinates(left).sum() >= shapely.get_num_coordinates(right).sum()


def intersection_areas(left: Any, right: Any, *, geometry: bool = False, threads: int | None = None) -> Pairs:
    """Exact area (m²) of every overlapping pair of two polygon arrays (both in the same metric CRS).

    Pairs whose intersection has zero area (touching edges, shared corners) are left out. With
    ``geometry=True`` the intersection geometries are returned too, as pieces (see :class:`Pairs`).
    ``threads`` (default :func:`workers`) is how many threads share the work.
    """
    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    threads = workers() if threads is None else max(1, int(threads))
    if _orient(left, right):
        return _areas(left, right, geometry, threads)
    flipped = _areas(right, left, geometry, threads)
    return Pairs(flipped.right, flipped.left, flipped.area, flipped.piece_pair, flipped.piece_geometry)


@dataclass
class _Batch:
    """One worker's answer for a slice of candidate pairs: areas, and (positions, geometries) of pieces."""

    area: np.ndarray
    where: np.ndarray
    pieces: np.ndarray | None


def _areas(big: np.ndarray, small: np.ndarray, geometry: bool, threads: int) -> Pairs:
    """The engine with ``big`` (the side with fewer polygons) prepared, ``small`` in the tree.

    Candidates are pairs whose boxes share some area (box-only touches are skipped). They are cut into
    batches run on ``threads`` threads; each thread prepares its own copy of ``big`` (GEOS builds a
    prepared geometry's indexes lazily, so one prepared geometry must not be shared between threads).
    """
    import shapely

    empty = np.empty(0, dtype=np.int64)
    if not len(big) or not len(small):
        return Pairs(empty, empty, np.empty(0), empty if geometry else None,
                     np.empty(0, dtype=object) if geometry else None)
    ib, js = shapely.STRtree(small).query(big)
    boxes = _boxes_overlap(big[ib], small[js])
    ib, js = ib[boxes], js[boxes]
    area_big, area_small = shapely.area(big), shapely.area(small)
    coords_big, coords_small = shapely.get_num_coordinates(big), shapely.get_num_coordinates(small)
    local = threading.local()

    def batch(part: slice) -> _Batch:
        own = getattr(local, "big", None)
        if own is None:  # this thread's prepared copy (WKB round trip: the same coordinates, bit for bit)
            own = local.big = shapely.from_wkb(shapely.to_wkb(big))
            shapely.prepare(own)
        b, s = ib[part], js[part]
        return _batch(own[b], small[s], area_big[b], area_small[s], coords_big[b], coords_small[s], geometry)

    bounds = list(range(0, len(ib), CHUNK)) + [len(ib)]
    parts = [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    if threads == 1 or len(parts) == 1:
        batches = [batch(p) for p in parts]
    else:
        with ThreadPoolExecutor(threads) as pool:
            batches = list(pool.map(batch, parts))
    area = np.concatenate([x.area for x in batches]) if batches else np.empty(0)
    keep = area > 0
    result = Pairs(ib[keep], js[keep], area[keep])
    if geometry:
        offsets = np.cumsum([0] + [len(x.area) for x in batches])
        where = np.concatenate([empty] + [x.where + off for x, off in zip(batches, offsets, strict=False)])
        pieces = np.concatenate([np.empty(0, dtype=object)] + [x.pieces for x in batches])
        ok = keep[where] & ~shapely.is_empty(pieces)
        result.piece_pair = (np.cumsum(keep) - 1)[where[ok]]
        result.piece_geometry = pieces[ok]
    return result


def _batch(b: np.ndarray, s: np.ndarray, area_b: np.ndarray, area_s: np.ndarray, coords_b: np.ndarray,
           coords_s: np.ndarray, geometry: bool) -> _Batch:
    """Areas of pairs (b[k], s[k]), ``b`` prepared: containment shortcuts, then exact intersections.

    * ``b`` covers ``s`` (prepared, one call for the batch): the overlap is area(s), no intersection;
    * disjoint (prepared ``intersects``): nothing to do;
    * ``s`` covers ``b`` (``b`` within ``s``, tested only where area(s) >= area(b)): the overlap is area(b);
    * the rest straddle: ``shapely.intersection``, ``b`` first clipped to ``s``'s box (see :func:`_clip`).
    """
    import shapely

    area = np.zeros(len(b))
    covered = shapely.covers(b, s)
    area[covered] = area_s[covered]
    rest = np.flatnonzero(~covered)
    rest = rest[shapely.intersects(b[rest], s[rest])]
    bigger = rest[area_s[rest] >= area_b[rest]]
    inside = bigger[shapely.within(b[bigger], s[bigger])]  # s covers b; b (this thread's) stays the prepared one
    area[inside] = area_b[inside]
    cut = np.setdiff1d(rest, inside, assume_unique=True)
    clip = coords_b[cut] > np.maximum(CLIP_MIN_COORDS, coords_s[cut])
    inter = _intersect(_clip(b[cut], s[cut], clip), b[cut], s[cut])
    area[cut] = shapely.area(inter)
    if not geometry:
        return _Batch(area, np.empty(0, dtype=np.int64), None)
    positive = area[cut] > 0
    where = np.concatenate([np.flatnonzero(covered), inside, cut[positive]])
    pieces = np.concatenate([s[covered], b[inside], _polygonal(inter[positive])])
    return _Batch(area, where, pieces)


def _clip(b: np.ndarray, s: np.ndarray, which: np.ndarray) -> np.ndarray:
    """``b[k]`` clipped to ``s[k]``'s box grown by :data:`CLIP_MARGIN` (where ``which``), else ``b[k]``.

    b ∩ s = (b ∩ box) ∩ s because s lies inside the box; the cut lines stay outside s, so the vertices
    they add never reach the result. A clip GEOS refuses (an invalid input ring) keeps the whole polygon.
    """
    import shapely

    out = b.copy()
    box = shapely.bounds(s)
    box[:, :2] -= CLIP_MARGIN
    box[:, 2:] += CLIP_MARGIN
    for k in np.flatnonzero(which):
        with contextlib.suppress(shapely.errors.GEOSException):
            out[k] = shapely.clip_by_rect(b[k], *box[k])
    return out


def _intersect(clipped: np.ndarray, whole: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Vectorised ``clipped[k] ∩ s[k]``; if GEOS fails on the batch (a clip that left an invalid ring),
    pair by pair, a failing pair redone with the whole polygon."""
    import shapely

    try:
        return shapely.intersection(clipped, s)
    except shapely.errors.GEOSException:
        out = np.empty(len(s), dtype=object)
        for k in range(len(s)):
            try:
                out[k] = shapely.intersection(clipped[k], s[k])
            except shapely.errors.GEOSException:
                out[k] = shapely.intersection(whole[k], s[k])
        return out


def _boxes_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where the bounding boxes share some area (if not, the polygons can only touch)."""
    import shapely

    ba, bb = shapely.bounds(a), shapely.bounds(b)
    return (np.minimum(ba[:, 2], bb[:, 2]) > np.maximum(ba[:, 0], bb[:, 0])) & (
        np.minimum(ba[:, 3], bb[:, 3]) > np.maximum(ba[:, 1], bb[:, 1]))


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


def _aligned(series: pd.Series, first: pd.Series) -> np.ndarray:
    """``series`` as floats in the order of ``first``'s index, missing values 0."""
    same = series.index is first.index or series.index.equals(first.index)
    aligned = series if same else series.reindex(first.index)
    return aligned.to_numpy(dtype=float, na_value=0.0)


def membership_overlap(
    left: Mapping[str, frozenset[str]], right: Mapping[str, frozenset[str]], weights: Mapping[str, pd.Series]
) -> pd.DataFrame:
    """Overlaps of two unions of the same atoms, one row per (left, right) pair sharing atoms.

    ``weights`` maps a weight name (``area_m2``, ``population``) to a Series indexed by atom code.
    Exact, and no geometry: w(A ∩ B) = sum of w(atom) over atoms in both A and B. Within one side
    units are disjoint (each atom in at most one unit), so the sum is one ``bincount``.
    """
    import pandas as pd

    from placegeo.membership import owner_array

    first = next(iter(weights.values()))
    index = dict(zip(map(str, first.index.tolist()), range(len(first)), strict=True))  # code -> position
    left_codes, lu = owner_array(left, index)
    right_codes, ru = owner_array(right, index)
    both = (lu >= 0) & (ru >= 0)
    cell = lu[both] * len(right_codes) + ru[both]
    size = len(left_codes) * len(right_codes)
    pairs = np.flatnonzero(np.bincount(cell, minlength=size))
    li, ri = np.divmod(pairs, len(right_codes))
    columns = {"left": np.asarray(left_codes, dtype=object)[li], "right": np.asarray(right_codes, dtype=object)[ri]}
    for name, series in weights.items():
        values = _aligned(series, first)[both]
        columns[name] = np.bincount(cell, weights=values, minlength=size)[pairs]
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
    from placegeo.population import population_for, weights_for

    if weight not in ("area", "population", "both"):
        raise UsageError(f"unknown weight '{weight}'", hint="use area, population or both")
    la, lb = as_layer(a), as_layer(b)
    want_pop = weight in ("population", "both")
    pop = population_for([la, lb], population) if want_pop else None
    members = _shared_members(la, lb, pop) if exact else None
    if members is not None:
        ma, mb, atoms = members
        weights = weights_for(atoms, pop)
        table = membership_overlap(ma, mb, weights)
        own_a = _sum_members(ma, weights)
        own_b = _sum_members(mb, weights)
    else:
        table, own_a, own_b = _geometric_table(la, lb, pop)
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
