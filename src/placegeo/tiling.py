"""Where a polygon set tiles the plane: its edges that are not shared exactly once each way.

With every ring oriented the same way (exteriors anticlockwise, holes clockwise: the polygon on the
left), an edge two neighbours share appears twice, once in each direction, with the same coordinates
bit for bit. Call such an edge *shared*. Across a shared edge the number of polygons covering a point
does not change, so in any connected region crossed only by shared edges the set covers every point
the same number of times. Everything else (the outline of the set, gaps, overlaps, edges whose
vertices do not match their neighbour's, duplicated polygons) leaves at least one edge that is not
shared. :func:`unshared_edges` returns those, as short lines for a spatial index.

The overlap engine uses this to take one intersection per straddling polygon by subtraction (see
:mod:`placegeo.overlaps`). No GEOS overlay is involved: edges are hashed and sorted in numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

RUN = 32
"""Consecutive unshared edges of a ring joined into one line, at most this many (keeps boxes small)."""

_MIX = np.uint64(0x9E3779B97F4A7C15)


def unshared_edges(polygons: Any) -> np.ndarray:
    """Lines along the ring edges of ``polygons`` that are not shared exactly once each way.

    Exact: edges are compared by their coordinates' bits (a hash sorts them; equal hashes are
    re-checked coordinate by coordinate, so a collision can only mark an edge unshared).
    """
    import shapely

    rings = shapely.get_rings(shapely.get_parts(shapely.orient_polygons(np.asarray(polygons, dtype=object))))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring[1:] == ring[:-1]
    start, end, ring = xy[:-1][same_ring], xy[1:][same_ring], ring[:-1][same_ring]
    moves = (start[:, 0] != end[:, 0]) | (start[:, 1] != end[:, 1])  # zero-length edges are not edges
    start, end, ring = start[moves], end[moves], ring[moves]
    unshared = ~_shared(start, end)
    return _runs(start, end, ring, np.flatnonzero(unshared))


def _edge_keys(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(hash key, low endpoint bits, high endpoint bits, forward) of each edge, the same both ways round."""
    forward = (start[:, 0] < end[:, 0]) | ((start[:, 0] == end[:, 0]) & (start[:, 1] < end[:, 1]))
    bits_start, bits_end = np.ascontiguousarray(start).view(np.uint64), np.ascontiguousarray(end).view(np.uint64)
    low = np.where(forward[:, None], bits_start, bits_end)  # the edge's endpoints in a fixed order
    high = np.where(forward[:, None], bits_end, bits_start)
    key = np.zeros(len(start), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for word in (low[:, 0], low[:, 1], high[:, 0], high[:, 1]):
            key = (key ^ word) * _MIX
            key ^= key >> np.uint64(29)
    return key, low, high, forward


def _edges(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(start, end, owner, line) of every edge of ``geoms`` (polygons: their rings; lines: their parts):
    ``owner`` the geometry's position, ``line`` the position of the ring or part it belongs to."""
    import shapely

    parts, owner = shapely.get_parts(geoms, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    if polygonal.all() and len(parts):
        lines, of_part = shapely.get_rings(parts, return_index=True)
        owner = owner[of_part]
    else:
        lines = parts
    xy, line = shapely.get_coordinates(lines, return_index=True)
    same = line[1:] == line[:-1]
    start, end, line = xy[:-1][same], xy[1:][same], line[:-1][same]
    moves = (start[:, 0] != end[:, 0]) | (start[:, 1] != end[:, 1])  # zero-length edges are not edges
    return start[moves], end[moves], owner[line[moves]], line[moves]


def _shared_pairs(key: np.ndarray, low: np.ndarray, high: np.ndarray,
                  owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, second) positions of each edge appearing exactly twice, in two different owners, with the
    same coordinates bit for bit (either way round)."""
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]] if len(order) else np.zeros(0, dtype=bool)
    group = np.cumsum(first) - 1
    size = np.bincount(group) if len(group) else np.zeros(0, dtype=np.int64)
    at = np.flatnonzero(first & (size[group] == 2))
    one, two = order[at], order[at + 1]
    same = (low[one] == low[two]).all(axis=1) & (high[one] == high[two]).all(axis=1) & (owner[one] != owner[two])
    return one[same], two[same]


def shared_edge_runs(polygons: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ring edges of ``polygons`` split in two: (runs of edges two polygons share exactly, the polygon
    of each run, runs of the other edges, the polygon of each). Each shared edge is in both polygons' runs."""
    start, end, owner, ring = _edges(np.asarray(polygons, dtype=object))
    key, low, high, _ = _edge_keys(start, end)
    one, two = _shared_pairs(key, low, high, owner)
    shared = np.zeros(len(start), dtype=bool)
    shared[one] = shared[two] = True
    ring_owner = np.zeros(int(ring.max()) + 1 if len(ring) else 0, dtype=np.int64)
    ring_owner[ring] = owner
    inner, inner_ring = _runs(start, end, ring, np.flatnonzero(shared), with_lines=True)
    outer, outer_ring = _runs(start, end, ring, np.flatnonzero(~shared), with_lines=True)
    return inner, ring_owner[inner_ring], outer, ring_owner[outer_ring]


def edges_among(lines: Any, polygons: Any) -> bool:
    """True when every edge of ``lines`` is an edge of some polygon's ring, bit for bit (so the lines lie
    on those rings)."""
    start, end, _, _ = _edges(np.asarray(lines, dtype=object))
    if not len(start):
        return True
    p_start, p_end, _, _ = _edges(np.asarray(polygons, dtype=object))
    key, low, high, _ = _edge_keys(start, end)
    p_key, p_low, p_high, _ = _edge_keys(p_start, p_end)
    order = np.argsort(p_key, kind="stable")
    p_key, p_low, p_high = p_key[order], p_low[order], p_high[order]
    at = np.searchsorted(p_key, key)
    if (at >= len(p_key)).any():
        return False
    # equal keys are rare: the first polygon edge with the key must be the edge itself
    return bool(((p_key[at] == key) & (p_low[at] == low).all(axis=1) & (p_high[at] == high).all(axis=1)).all())


def shared_edge_split(lines: Any, units: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split ``lines`` into their edges lying exactly on an edge two of ``units`` share (one edge of each
    unit, the same coordinates bit for bit) and the rest: (length on such shared edges per line, the other
    edges as LineStrings of consecutive edges, the line each of those belongs to). Exact: edges are
    matched by their coordinates' bits (equal hashes re-checked coordinate by coordinate)."""
    lines = np.asarray(lines, dtype=object)
    start, end, owner, part = _edges(lines)
    key, low, high, _ = _edge_keys(start, end)
    line_keys = np.unique(key)
    u_start, u_end, u_owner, _ = _edges(np.asarray(units, dtype=object))
    u_key, u_low, u_high, _ = _edge_keys(u_start, u_end)
    # only the units' edges with a key some line edge has (every copy of such a key is kept, so counts hold)
    near = np.minimum(np.searchsorted(line_keys, u_key), max(len(line_keys) - 1, 0))
    kept = np.flatnonzero(line_keys[near] == u_key) if len(line_keys) else np.zeros(0, dtype=np.int64)
    u_key, u_low, u_high, u_owner = u_key[kept], u_low[kept], u_high[kept], u_owner[kept]
    one, _two = _shared_pairs(u_key, u_low, u_high, u_owner)
    edge = one  # one copy of each edge two different units share, keys unique
    edge_key = u_key[edge]
    by_key = np.argsort(edge_key)
    edge, edge_key = edge[by_key], edge_key[by_key]
    at = np.minimum(np.searchsorted(edge_key, key), max(len(edge) - 1, 0))
    on = np.zeros(len(key), dtype=bool)
    if len(edge):
        found = edge[at]
        on = (edge_key[at] == key) & (u_low[found] == low).all(axis=1) & (u_high[found] == high).all(axis=1)
    d = end[on] - start[on]
    exact = np.bincount(owner[on], weights=np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]), minlength=len(lines))
    rest = np.flatnonzero(~on)
    runs, run_part = _runs(start, end, part, rest, with_lines=True)
    part_owner = np.zeros(int(part.max()) + 1 if len(part) else 0, dtype=np.int64)
    part_owner[part] = owner
    return exact, runs, part_owner[run_part]


def _shared(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """True for each directed edge whose reverse appears exactly once and which itself appears once."""
    key, low, high, forward = _edge_keys(start, end)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    group = np.cumsum(first) - 1
    size = np.bincount(group)
    forwards = np.bincount(group, weights=forward[order].astype(float))
    pair = (size == 2) & (forwards == 1)  # two edges with one key, one each way
    at = np.flatnonzero(first & pair[group])
    one, two = order[at], order[at + 1]
    equal = (low[one] == low[two]).all(axis=1) & (high[one] == high[two]).all(axis=1)
    shared = np.zeros(len(start), dtype=bool)
    shared[one[equal]] = True
    shared[two[equal]] = True
    return shared


def _runs(start: np.ndarray, end: np.ndarray, ring: np.ndarray, edges: np.ndarray, with_lines: bool = False) -> Any:
    """LineStrings of consecutive ``edges`` of one ring, at most :data:`RUN` edges each (``with_lines``:
    and the ring of each)."""
    import shapely

    if not len(edges):
        return (np.empty(0, dtype=object), np.zeros(0, dtype=np.int64)) if with_lines else np.empty(0, dtype=object)
    new = np.r_[True, (np.diff(edges) != 1) | (ring[edges[1:]] != ring[edges[:-1]])]
    run = np.cumsum(new) - 1
    position = np.arange(len(edges)) - np.flatnonzero(new)[run]
    line = np.cumsum(new | (position % RUN == 0)) - 1  # a run cut every RUN edges
    last = np.r_[line[1:] != line[:-1], True]
    points = np.concatenate([start[edges], end[edges[last]]])
    point_line = np.concatenate([line, line[last]])
    order = np.argsort(point_line, kind="stable")  # each line's starts in order, then its last end
    runs = shapely.linestrings(points[order], indices=point_line[order])
    if with_lines:
        return runs, ring[edges[np.r_[True, line[1:] != line[:-1]]]]
    return runs
