"""Geometry for drawing: coverage-preserving simplification, map windows, shapely -> matplotlib paths.

Simplifying each polygon on its own opens hairline gaps between neighbours; ``shapely.coverage_simplify``
simplifies the shared edges once, so they stay shared. The tolerance is a fraction of a millimetre on the
page, so nothing a reader could see moves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.path import Path as MplPath

SIMPLIFY_MM = 0.15
"""Simplification tolerance on the page, in millimetres (a hairline is about 0.1 mm)."""


def coverage_simplified(geoms, tolerance: float) -> np.ndarray:
    """Simplify polygons that tile (a coverage) without opening gaps; anything else is returned as it is."""
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    if tolerance <= 0 or len(geoms) == 0:
        return geoms
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    if not polygonal.all() or not bool(shapely.coverage_is_valid(geoms)):
        return geoms
    out = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    bad = ~shapely.is_valid(out) | shapely.is_empty(out)
    out[bad] = geoms[bad]
    return out


def window(bounds: tuple[float, float, float, float], size: tuple[float, float]) -> tuple[float, float, float, float]:
    """The map window (xmin, xmax, ymin, ymax) of ``size`` (width, height in metres) centred on ``bounds``.

    Side-by-side panels use one size (:func:`window_size` of the largest) so they share one scale.
    """
    minx, miny, maxx, maxy = bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    width, height = size
    return cx - width / 2, cx + width / 2, cy - height / 2, cy + height / 2


def window_size(bounds: tuple[float, float, float, float], aspect: float, pad: float = 0.03) -> tuple[float, float]:
    """Width and height (metres) of the smallest window of ``aspect`` holding ``bounds`` with ``pad``."""
    minx, miny, maxx, maxy = bounds
    width, height = (maxx - minx) * (1 + 2 * pad), (maxy - miny) * (1 + 2 * pad)
    width, height = max(width, 1.0), max(height, 1.0)
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    return width, height


def polygon_path(geom) -> MplPath | None:
    """A matplotlib Path for a (multi)polygon, holes included (rings oriented for the nonzero fill rule)."""
    import shapely
    from matplotlib.path import Path

    if geom is None or geom.is_empty:
        return None
    geom = shapely.orient_polygons(geom)
    rings = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings.append(np.asarray(poly.exterior.coords)[:, :2])
        rings.extend(np.asarray(r.coords)[:, :2] for r in poly.interiors)
    if not rings:
        return None
    return Path.make_compound_path(*[Path(r, closed=True) for r in rings])


def boundary_segments(geoms) -> list[np.ndarray]:
    """The outlines of polygons as coordinate arrays, for a LineCollection."""
    import shapely

    lines = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        for part in shapely.get_parts(shapely.boundary(geom)):
            lines.append(np.asarray(part.coords)[:, :2])
    return lines


def label_point(geom):
    """Where a name sits: the pole of inaccessibility of the largest part (inside, far from the edges)."""
    import shapely
    from shapely.ops import polylabel

    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return geom.representative_point()
    largest = max(parts, key=lambda p: p.area)
    try:
        return polylabel(largest, tolerance=max(largest.length / 2000, 1.0))
    except Exception:  # degenerate rings: fall back to a point guaranteed inside
        return largest.representative_point()


def touching_pairs(places: Mapping[str, Any], within: float) -> list[tuple[str, str]]:
    """The pairs of place names whose footprints come within ``within`` metres (an STRtree query, not n²)."""
    import shapely

    names = list(places)
    geoms = np.asarray([places[n] for n in names], dtype=object)
    if len(geoms) < 2:
        return []
    left, right = shapely.STRtree(geoms).query(shapely.envelope(geoms), predicate="dwithin", distance=within)
    keep = left < right  # boxes within reach; then the polygons: shared edges intersect (fast), gaps need a distance
    left, right = left[keep], right[keep]
    near = shapely.intersects(geoms[left], geoms[right])
    near[~near] = shapely.dwithin(geoms[left[~near]], geoms[right[~near]], within)
    return sorted((names[i], names[j]) for i, j in zip(left[near].tolist(), right[near].tolist(), strict=True))


def same_footprints(panels: Sequence[Mapping[str, Any]], share: float) -> list[tuple[str, str]]:
    """Pairs of differently named places, in any panels, whose footprints differ by less than ``share`` of
    the larger area: one place under two names."""
    import shapely

    items = {name: geom for panel in panels for name, geom in panel.items()}
    names = list(items)
    geoms = np.asarray([items[n] for n in names], dtype=object)
    if len(geoms) < 2:
        return []
    areas = shapely.area(geoms)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        larger = max(areas[i], areas[j])
        similar = i < j and abs(areas[i] - areas[j]) < share * larger  # unequal areas: no overlay needed
        if similar and shapely.area(shapely.symmetric_difference(geoms[i], geoms[j])) < share * larger:
            pairs.append((names[i], names[j]))
    return pairs
