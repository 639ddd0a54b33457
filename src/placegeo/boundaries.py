"""Boundary match: how much of each place's edge follows some boundary of a reference layer.

metrics.md: the share of the place's boundary length, excluding the outer edge of the footprint F,
that lies within ``--snap`` metres of some boundary of R. Pure geometry on arrays of polygons.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def internal_boundaries(places: Any, *, coverage: bool = False) -> np.ndarray:
    """Each place's boundary without the footprint's outer edge (taken out with a 0.5 m band, for float
    noise between identical edges), for :func:`boundary_lengths`. ``coverage`` says the places tile
    without overlaps and share their vertices (unions of a bundled layer's blocks): the footprint is then
    their faster coverage union, the same polygon."""
    import shapely

    places = np.asarray(places, dtype=object)
    footprint = shapely.coverage_union_all(places) if coverage else shapely.union_all(places)
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


def boundary_lengths(places: Any, reference: Any, snap: float, *, internal: Any = None,
                     zone: Any = None, covered: bool = False, gaps: bool = True,
                     rings: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Per place: length (m) of its boundary off the footprint's outer edge, and how much of it lies
    within ``snap`` metres of some boundary of the reference units (for metrics.boundary_match).

    ``internal`` (:func:`internal_boundaries`) may be passed in when reused across reference layers, and
    ``rings`` (:func:`boundary_rings` of ``reference``) when reused across options.
    With ``covered`` (the reference units cover the footprint) the fast way needs no union of the
    layer's boundaries: sum over units of the length inside each unit's band (:func:`boundary_rings`),
    minus half the length lying on unit boundaries (a line on the boundary shared by two units lies in
    both bands; internal place edges cannot lie on the layer's outer edge when the layer covers F).
    Otherwise the band ``zone`` around the whole layer's boundaries (:func:`boundary_zone`) is used.
    """
    import shapely

    from placegeo.overlaps import clip_to_boxes

    places = np.asarray(places, dtype=object)
    internal = internal_boundaries(places) if internal is None else internal
    total = shapely.length(internal)
    if not total.any():
        return total, np.zeros(len(places))
    if covered and reference is not None:
        reference = np.asarray(reference, dtype=object)
        rings = boundary_rings(reference, snap) if rings is None else np.asarray(rings, dtype=object)
        li, ri = shapely.STRtree(rings).query(internal)
        # each band clipped to the line's box first (the line lies inside it): the same pieces, fewer vertices
        pieces = shapely.intersection(internal[li], clip_to_boxes(rings[ri], shapely.bounds(internal[li])))
        inside = shapely.length(pieces)
        met = inside > 0  # pairs whose boxes meet but lines do not need no edge measure
        li, ri, pieces, inside = li[met], ri[met], pieces[met], inside[met]
        # the unit's boundary lies in its band, so the lines on it are the pieces on it (smaller inputs)
        edges = clip_to_boxes(shapely.boundary(reference[ri]), shapely.bounds(pieces))
        on_edge = shapely.length(shapely.intersection(pieces, edges))
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
