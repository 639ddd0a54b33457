"""Boundary match: how much of each place's edge follows some boundary of a reference layer.

metrics.md: the share of the place's boundary length, excluding the outer edge of the footprint F,
that lies within ``--snap`` metres of some boundary of R. Pure geometry on arrays of polygons.
"""

from __future__ import annotations

import os
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
    if coverage:
        internal = _internal_by_shared_edges(places, footprint)
        if internal is not None:
            return internal
    edge = shapely.buffer(shapely.boundary(footprint), OUTLINE_BAND, quad_segs=1)
    shapely.prepare(edge)
    return shapely.difference(shapely.boundary(places), edge)


OUTLINE_BAND = 0.5
"""Metres of the footprint's outline taken out of the places' boundaries (float noise between identical edges)."""


def _internal_by_shared_edges(places: np.ndarray, footprint: Any) -> np.ndarray | None:
    """:func:`internal_boundaries` of places that share their vertices: the edges two places share, less
    the outline's band where they come near the outline (only those runs are cut, each by the band of the
    outline near it: the outline clipped to the run's box grown by 3 bands, whose band is the whole
    band inside that box); every other edge lies on the outline, inside the band. The same lines as the
    difference of each whole boundary with the band. None when an unshared edge is not an edge of the
    outline ``footprint`` (places that do not share their vertices): the caller then takes the difference."""
    import shapely

    from placegeo.overlaps import clip_to_boxes
    from placegeo.tiling import edges_among, shared_edge_runs

    inner, inner_place, outer, _ = shared_edge_runs(places)
    if len(outer) and not edges_among(outer, [footprint]):  # the other edges must be the outline's own
        return None
    outline = shapely.boundary(footprint)
    shapely.prepare(outline)
    near = np.flatnonzero(shapely.dwithin(outline, inner, 2 * OUTLINE_BAND))  # a superset of those it meets
    if len(near):
        pieces = clip_to_boxes(np.full(len(near), outline, dtype=object), shapely.bounds(inner[near]),
                               margin=3 * OUTLINE_BAND)
        inner = inner.copy()
        inner[near] = shapely.difference(inner[near], shapely.buffer(pieces, OUTLINE_BAND, quad_segs=1))
    parts, part_of = shapely.get_parts(inner, return_index=True)
    kept = shapely.length(parts) > 0
    parts, place = parts[kept], inner_place[part_of][kept]
    out = np.empty(len(places), dtype=object)
    for j in range(len(places)):
        out[j] = shapely.multilinestrings(parts[place == j])
    return out


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


RING_FORMAT = 1
"""Bump when :func:`boundary_rings` changes: rings stored under an older format are then ignored."""


def unit_keys(units: Any) -> np.ndarray:
    """A content key per unit polygon (a digest of its WKB): equal keys mean bit-identical geometry, so
    layers sharing a unit (a unitary is both a district and a county) share its ring and its measures."""
    import hashlib

    import shapely

    return np.asarray([hashlib.sha256(w).hexdigest()[:32] for w in shapely.to_wkb(np.asarray(units, dtype=object))],
                      dtype=object)


def stored_rings(units: Any, keys: Any, snap: float, directory: Any) -> np.ndarray:
    """:func:`boundary_rings` of ``units``, read from ``directory`` when stored there (one WKB file per unit,
    named by its content key, under the snap, the ring format and the GEOS version), else computed and
    stored. WKB keeps every coordinate bit for bit, so a stored ring is the ring. A store that cannot be
    read or written is never an error, only slower."""
    import contextlib
    from pathlib import Path

    import shapely

    units = np.asarray(units, dtype=object)
    folder = Path(directory) / f"rings-{RING_FORMAT}-geos{shapely.geos_version_string}-snap{snap:g}"
    rings = np.full(len(units), None, dtype=object)
    for n, key in enumerate(keys):
        with contextlib.suppress(Exception):  # missing or unreadable: computed below
            rings[n] = shapely.from_wkb((folder / f"{key}.wkb").read_bytes())
    todo = np.flatnonzero(np.asarray([r is None for r in rings], dtype=bool))
    if len(todo):
        rings[todo] = boundary_rings(units[todo], snap)
        with contextlib.suppress(Exception):  # read-only home, full disk, ...: carry on without a store
            folder.mkdir(parents=True, exist_ok=True)
            for n, wkb in zip(todo, shapely.to_wkb(rings[todo]), strict=True):
                tmp = folder / f".{keys[n]}.{os.getpid()}.tmp"
                tmp.write_bytes(wkb)
                os.replace(tmp, folder / f"{keys[n]}.wkb")
    return rings


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
    Edges of the lines that are exactly edges two units share (unions of the same atoms share their
    vertices) are counted whole without any overlay (:func:`placegeo.tiling.shared_edge_split`): such an
    edge lies in both units' bands and on both boundaries, 2 x (1 - 1/2) = 1. Only the other edges, as
    short runs, are intersected with the bands (clipped to each run's box).
    """
    import shapely

    from placegeo.tiling import shared_edge_split

    places = np.asarray(places, dtype=object)
    internal = internal_boundaries(places) if internal is None else internal
    total = shapely.length(internal)
    if not total.any():
        return total, np.zeros(len(places))
    if covered and reference is not None:
        reference = whole = np.asarray(reference, dtype=object)
        if rings is None:  # a user's layer: only its units whose box meets a line edge's can count (a band
            lines = _edge_lines(internal)  # lies inside its unit; an edge two units share is on both)
            met = np.unique(shapely.STRtree(reference).query(lines)[1]) if len(lines) else np.zeros(0, dtype=int)
            reference = reference[met]
        # an edge two units share lies in both bands and on both boundaries: it counts 1 - 1/2 twice, its
        # whole length, so only the other edges are measured against the bands
        exact, runs, run_place = shared_edge_split(internal, reference)
        if rings is None:  # bands only of the units whose box meets a run's
            near = np.unique(shapely.STRtree(reference).query(runs)[1])
            rings = np.full(len(reference), None, dtype=object)
            rings[near] = boundary_rings(reference[near], snap)
        else:
            rings = np.asarray(rings, dtype=object)
            near = np.arange(len(rings))
        ki, at = shapely.STRtree(rings[near]).query(runs)
        ri = near[at]
        inside, on_edge = _band_measures(runs[ki], rings[ri], reference[ri])
        met = inside > 0  # pairs whose boxes meet but lines do not count nothing
        matched = exact + np.bincount(run_place[ki[met]], weights=inside[met] - 0.5 * on_edge[met],
                                      minlength=len(places))
        if gaps:  # lines in gaps between the units (only when the units do not cover F exactly)
            matched += _matched_outside(internal, whole, snap)
        return total, np.minimum(matched, total)
    if zone is None:
        if reference is None or not len(reference):
            return total, np.zeros(len(places))
        zone = boundary_zone(reference, snap, tuple(shapely.total_bounds(places)))
    matched = shapely.length(shapely.intersection(internal, zone))
    return total, matched


def _edge_lines(lines: Any) -> np.ndarray:
    """Every edge of ``lines`` as its own two-point line (small boxes for a spatial index)."""
    import shapely

    xy, part = shapely.get_coordinates(shapely.get_parts(np.asarray(lines, dtype=object)), return_index=True)
    same = np.flatnonzero(part[1:] == part[:-1])
    points = np.stack([xy[same], xy[same + 1]], axis=1)
    return np.asarray(shapely.linestrings(points), dtype=object).reshape(-1)


def _band_measures(lines: np.ndarray, rings: np.ndarray, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair k: length of ``lines[k]`` inside the band ``rings[k]``, and of that part lying on the
    boundary of ``units[k]``. Pairs whose line misses the band (most pairs met by box only) are found by a
    predicate and measure 0 without an overlay."""
    import shapely

    from placegeo.overlaps import clip_to_boxes

    inside, on_edge = np.zeros(len(lines)), np.zeros(len(lines))
    if not len(lines):
        return inside, on_edge
    # each band clipped to the line's box first (the line lies inside it): the same pieces, fewer vertices
    bands = clip_to_boxes(rings, shapely.bounds(lines))
    hit = np.flatnonzero(shapely.intersects(lines, bands))
    pieces = shapely.intersection(lines[hit], bands[hit])
    inside[hit] = shapely.length(pieces)
    met = inside[hit] > 0
    hit, pieces = hit[met], pieces[met]
    # the unit's boundary lies in its band, so the lines on it are the pieces on it (smaller inputs)
    edges = clip_to_boxes(shapely.boundary(units[hit]), shapely.bounds(pieces))
    on_edge[hit] = shapely.length(shapely.intersection(pieces, edges))
    return inside, on_edge


EDGE_SAMPLES = 20_000
"""At most this many points are measured along a file's edges for :func:`edge_offsets` (the step grows)."""


def edge_offsets(lines: Any, targets: Any, step: float, most: int = EDGE_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """How far ``lines`` lie from the boundaries of the ``targets`` polygons: (distance in m, length in m) of
    points spaced evenly along each line, about ``step`` metres apart (at most ``most`` points: the step grows
    to fit), each point standing for the length around it. Empty without lines or targets."""
    import shapely

    parts = shapely.get_parts(np.asarray(lines, dtype=object).ravel())
    parts = parts[~shapely.is_empty(parts)] if len(parts) else parts
    lengths = shapely.length(parts) if len(parts) else np.zeros(0)
    parts, lengths = parts[lengths > 0], lengths[lengths > 0]
    edges = shapely.get_parts(shapely.boundary(np.asarray(targets, dtype=object)))
    if not len(parts) or not len(edges):
        return np.zeros(0), np.zeros(0)
    step = max(float(step), float(lengths.sum()) / most, 1e-3)
    counts = np.maximum(1, np.floor(lengths / step)).astype(np.int64)
    spacing = lengths / counts
    line = np.repeat(np.arange(len(parts)), counts)
    rank = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    points = shapely.line_interpolate_point(parts[line], (rank + 0.5) * spacing[line])
    _, distance = shapely.STRtree(edges).query_nearest(points, return_distance=True, all_matches=False)
    return np.asarray(distance, dtype=float), spacing[line]
