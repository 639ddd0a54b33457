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


def _shared(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """True for each directed edge whose reverse appears exactly once and which itself appears once."""
    forward = (start[:, 0] < end[:, 0]) | ((start[:, 0] == end[:, 0]) & (start[:, 1] < end[:, 1]))
    bits_start, bits_end = start.view(np.uint64), end.view(np.uint64)
    low = np.where(forward[:, None], bits_start, bits_end)  # the edge's endpoints in a fixed order
    high = np.where(forward[:, None], bits_end, bits_start)
    key = np.zeros(len(start), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for word in (low[:, 0], low[:, 1], high[:, 0], high[:, 1]):
            key = (key ^ word) * _MIX
            key ^= key >> np.uint64(29)
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


def _runs(start: np.ndarray, end: np.ndarray, ring: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """LineStrings of consecutive ``edges`` of one ring, at most :data:`RUN` edges each."""
    import shapely

    if not len(edges):
        return np.empty(0, dtype=object)
    new = np.r_[True, (np.diff(edges) != 1) | (ring[edges[1:]] != ring[edges[:-1]])]
    run = np.cumsum(new) - 1
    position = np.arange(len(edges)) - np.flatnonzero(new)[run]
    line = np.cumsum(new | (position % RUN == 0)) - 1  # a run cut every RUN edges
    last = np.r_[line[1:] != line[:-1], True]
    points = np.concatenate([start[edges], end[edges[last]]])
    point_line = np.concatenate([line, line[last]])
    order = np.argsort(point_line, kind="stable")  # each line's starts in order, then its last end
    return shapely.linestrings(points[order], indices=point_line[order])
