"""Which polygons of a layer can only have matching edges, found from their segments with numpy.

A polygon all of whose ring segments are each shared with exactly one other polygon, running the other way
(the other polygon's interior on the other side), is what GEOS's coverage validation calls fully matched:
``shapely.coverage_invalid_edges`` marks every such segment valid and returns no edge for that polygon,
whatever else the layer holds. Finding those polygons takes a sort of the segments; GEOS is then asked only
about the rest (on an England layer, the coastal ones) together with their neighbours, so the result is the
one call's (:func:`placegeo.checks.coverage.invalid_edges`).

Segments are compared by their exact coordinates; anything doubtful (a repeated point, a segment found more
than twice, two segments sharing a hash but not their ends) leaves its polygons to GEOS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_MIX = (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB)


@dataclass(frozen=True)
class Segments:
    """Every ring of a layer's polygons as one run of coordinates: segment ``i`` runs from point ``i`` to point
    ``i + 1`` when both lie on the same ring (``real``); which polygon each point's ring belongs to, whether
    that polygon's interior lies on the left of the ring, and which segments are matched (shared with one other
    polygon, running the other way)."""

    points: np.ndarray  # (n,) complex: x + iy, compared exactly
    ring: np.ndarray  # (n,) int: the ring of each point
    polygon_of_ring: np.ndarray  # int: index into the layer
    left_of_ring: np.ndarray  # bool: the polygon's interior lies on the left of the ring as it runs
    real: np.ndarray  # (n - 1,) bool
    matched: np.ndarray  # (n - 1,) bool
    followed: list = field(default_factory=list)  # the outline's rings, once followed (see _outline_rings)

    def unmatched(self) -> np.ndarray:
        """The indices of the segments that are not matched."""
        import numpy as np

        return np.flatnonzero(self.real & ~self.matched)


def segments(geoms: np.ndarray, parts: tuple[np.ndarray, np.ndarray] | None = None) -> Segments:
    """The ring segments of polygons ``geoms`` (Polygon or MultiPolygon), each marked matched or not
    (``parts``: ``shapely.get_parts(geoms, return_index=True)``, when known already)."""
    import numpy as np
    import shapely

    parts, part_of = shapely.get_parts(geoms, return_index=True) if parts is None else parts
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    shell = np.r_[True, ring_part[1:] != ring_part[:-1]]  # get_rings gives each part's exterior first
    left = shapely.is_ccw(rings) == shell  # GEOS's orientation test: a CCW shell has its interior on the left
    coords += 0.0  # -0.0 and 0.0 are the same coordinate
    real = ring[:-1] == ring[1:]
    hashed = _point_hash(coords)
    key = hashed[:-1] + hashed[1:]  # the same for a segment either way round
    across = np.flatnonzero(~real)  # from one ring's last point to the next ring's first: no segment
    key[across] = _point_hash(np.column_stack([across, across]).astype(np.float64))  # apart from every key
    points = coords.view(np.complex128).ravel()
    found = Segments(points, ring, part_of[ring_part], left, real, np.zeros(len(key), dtype=bool))
    _match(found, key)
    return found


def _point_hash(xy: np.ndarray) -> np.ndarray:
    import numpy as np

    bits = xy.view(np.uint64)
    h = bits[:, 0] * np.uint64(_MIX[0]) ^ bits[:, 1] * np.uint64(_MIX[1])
    h ^= h >> np.uint64(31)
    return h * np.uint64(_MIX[2])


def _match(found: Segments, key: np.ndarray) -> None:
    """Mark matched the segments found exactly twice (by ``key``, a hash of their ends either way round, then
    by their exact end coordinates), in two different polygons whose interiors lie on opposite sides."""
    import numpy as np
    from numpy.lib.stride_tricks import as_strided

    order = np.argsort(key)
    k = key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    pair = starts[sizes == 2]  # groups of two, in sorted order
    a, b = order[pair], order[pair + 1]
    point = found.points
    ends = as_strided(point, (len(point) - 1, 2), (point.strides[0],) * 2, writeable=False)  # row i: i, i + 1
    ea, eb = ends[a], ends[b]
    same = (ea[:, 0] == eb[:, 0]) & (ea[:, 1] == eb[:, 1])
    reverse = (ea[:, 0] == eb[:, 1]) & (ea[:, 1] == eb[:, 0])
    # per segment: 2 * polygon + (interior on the left), or -1 where it is not a segment (between two rings)
    side = np.where(found.real, 2 * found.polygon_of_ring[found.ring[:-1]] + found.left_of_ring[found.ring[:-1]],
                    -1)
    sa, sb = side[a], side[b]
    sides_differ = (sa & 1 != sb & 1) ^ reverse  # the interiors on opposite sides of the segment
    ok = (same | reverse) & (ea[:, 0] != ea[:, 1]) & sides_differ & (sa >= 0) & (sb >= 0) & (sa >> 1 != sb >> 1)
    found.matched[a[ok]] = True
    found.matched[b[ok]] = True


def unmatched_polygons(found: Segments) -> np.ndarray:
    """The indices of the polygons with at least one segment that is not matched."""
    import numpy as np

    return np.unique(found.polygon_of_ring[found.ring[found.unmatched()]])


def outline_has_holes(found: Segments) -> bool:
    """For a valid coverage: whether its union may have a hole. False only when the unmatched segments (the
    outline) join into rings that all run anticlockwise around the interior (outer boundaries); anything else
    (a ring running clockwise round a gap, rings that cannot be followed) answers True."""
    import numpy as np

    rings = _outline_rings(found)
    if rings is None:
        return True
    tail, head, label = rings
    origin = tail[label]  # each ring's coordinates relative to one of its points, for a sound sign
    x0, y0 = (tail - origin).T
    x1, y1 = (head - origin).T
    terms = x0 * y1 - x1 * y0
    twice_area = np.bincount(label, weights=terms, minlength=len(label))
    scale = np.bincount(label, weights=np.abs(terms), minlength=len(label))
    first = np.unique(label)
    return bool((twice_area[first] <= 1e-9 * scale[first]).any())


def outline_proves_valid(found: Segments, geoms: np.ndarray) -> bool:
    """Whether the layer is a valid coverage, shown from its outline (the unmatched segments) alone; False
    when it cannot tell.

    The matched segments cancel in pairs, so the number of polygons covering a point changes only across the
    outline, by one. When the outline's segments meet only at their ends (``shapely.is_simple``), they bound
    faces of constant cover; each ring followed along the outline (:func:`_outline_rings`) has one face on
    its left all the way round, and every face lies left or right of some outline segment. So if, for one
    segment of each ring, no polygon but its own comes within a micrometre of its midpoint (one polygon on
    its left, none on its right), every face is covered once or not at all: nothing overlaps, no unmatched
    segment crosses, touches or lies inside another polygon, and GEOS finds no invalid edge."""
    import numpy as np
    import shapely

    free = found.unmatched()
    if len(free) == 0:
        return True
    start, end = found.points[free], found.points[free + 1]
    if (start == end).any():
        return False
    n = len(free)
    ends = np.empty((2 * n, 2))  # start, end, start, end...: one MultiLineString of n two-point lines
    ends[0::2, 0], ends[0::2, 1], ends[1::2, 0], ends[1::2, 1] = start.real, start.imag, end.real, end.imag
    outline = shapely.from_ragged_array(shapely.GeometryType.MULTILINESTRING, ends,
                                        (np.arange(0, 2 * n + 1, 2), np.array([0, n])))[0]
    if not shapely.is_simple(outline):
        return False
    rings = _outline_rings(found)
    if rings is None:
        return False
    _, _, label = rings
    first = np.unique(label)  # one segment of each ring
    middle = (start[first] + end[first]) / 2
    points = shapely.points(np.column_stack([middle.real, middle.imag]))
    owner = found.polygon_of_ring[found.ring[free[first]]]
    near, polygon = shapely.STRtree(geoms).query(points, predicate="dwithin", distance=1e-6)
    return bool((polygon == owner[near]).all())


def _outline_rings(found: Segments) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The unmatched segments run with the interior on their left (tail and head points, (m, 2) each), and
    for each the least index of the segments on its ring, following the outline; None where it cannot be
    followed (not closed, or segments that do not alternate in and out around a vertex). Followed once."""
    if not found.followed:
        found.followed.append(_follow(found))
    return found.followed[0]


def _follow(found: Segments) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    import numpy as np

    free = found.unmatched()
    left = found.left_of_ring[found.ring[free]][:, None]
    start = np.column_stack([found.points[free].real, found.points[free].imag])
    end = np.column_stack([found.points[free + 1].real, found.points[free + 1].imag])
    tail = np.where(left, start, end)  # each segment running with the interior on its left
    head = np.where(left, end, start)
    n = len(tail)
    points = np.concatenate([tail, head])
    _, ids = np.unique(points[:, 0] + 1j * points[:, 1], return_inverse=True)
    ids = ids.ravel()
    out_id, in_id = ids[:n], ids[n:]
    leaving, arriving = np.bincount(out_id, minlength=len(points)), np.bincount(in_id, minlength=len(points))
    if (leaving != arriving).any():
        return None  # not closed rings
    order = np.argsort(out_id, kind="stable")
    after = order[np.searchsorted(out_id[order], in_id)]  # the segment leaving where each one arrives
    for vertex in np.flatnonzero(leaving > 1):  # rings touching at a vertex: follow the boundary of one face
        paired = _pair_at(vertex, out_id, in_id, tail, head)
        if paired is None:
            return None
        for arrive, leave in paired:
            after[arrive] = leave
    label, step = np.arange(n), after
    while True:  # pointer doubling: each segment's label becomes the least index on its ring
        nxt = np.minimum(label, label[step])
        if np.array_equal(nxt, label):  # a fixed point: every label is its ring's least (each window of 2^k
            break  # segments along the ring, the windows at every 2^k-th segment covering it)
        label, step = nxt, step[step]
    return tail, head, label


def _pair_at(vertex: int, out_id: np.ndarray, in_id: np.ndarray, tail: np.ndarray, head: np.ndarray
             ) -> list[tuple[int, int]] | None:
    """Where several outline rings meet at one vertex: each arriving segment with the leaving one next to it
    clockwise (the two bound the same interior sector, the interior being left of both). None unless around
    the vertex the segments alternate arriving, leaving (as they do where the interior is on one side)."""
    import numpy as np

    leave = np.flatnonzero(out_id == vertex)
    arrive = np.flatnonzero(in_id == vertex)
    point = tail[leave[0]]
    angles = np.r_[np.arctan2(*(head[leave] - point).T[::-1]), np.arctan2(*(tail[arrive] - point).T[::-1])]
    kinds = np.r_[np.zeros(len(leave), dtype=bool), np.ones(len(arrive), dtype=bool)]  # True: arriving
    ids = np.r_[leave, arrive]
    turn = np.argsort(angles)
    if len(np.unique(angles)) != len(angles):
        return None
    kinds, ids = kinds[turn], ids[turn]
    if (kinds == np.roll(kinds, 1)).any():
        return None
    return [(int(ids[i]), int(ids[i - 1])) for i in range(len(ids)) if kinds[i]]  # i - 1: next clockwise
