"""Unshared edges: where a polygon set stops tiling the plane (outline, gaps, overlaps, mismatched edges)."""

from __future__ import annotations

import pytest

from placegeo.tiling import unshared_edges


def _length(polygons) -> float:
    import shapely

    return float(shapely.length(unshared_edges(polygons)).sum())


def test_an_edge_two_neighbours_share_is_not_reported():
    import shapely

    # two unit squares side by side: the outline is 6 m long, the shared edge (1 m) is not reported
    assert _length([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]) == 6.0


def test_a_duplicated_polygon_reports_every_edge():
    import shapely

    # the same square twice covers its inside twice: each edge appears twice the same way round
    assert _length([shapely.box(0, 0, 1, 1), shapely.box(0, 0, 1, 1)]) == 8.0


def test_a_neighbour_with_an_extra_vertex_on_the_shared_edge_is_reported():
    import shapely

    # the right square's left edge is split at (1, 0.5): no edge matches, so 6 m of outline + 1 m + 1 m
    right = shapely.Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1, 0.5)])
    assert _length([shapely.box(0, 0, 1, 1), right]) == 8.0


def test_a_hole_filled_by_another_polygon_is_shared():
    import shapely

    ring = shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))
    assert _length([ring, shapely.box(1, 1, 2, 2)]) == 12.0  # only the outer square's edge


def test_bundled_districts_report_exactly_the_outline_of_the_icb():
    """lad21 is built from whole LSOAs, so it tiles the ICB: its unshared edges are the ICB's outline
    (the boundary of the coverage union, measured by shapely)."""
    import numpy as np
    import shapely

    from placegeo.layers import load_layer

    districts = np.asarray(load_layer("lad21").frame.geometry.values)
    outline = shapely.length(shapely.boundary(shapely.coverage_union_all(districts)))
    assert _length(districts) == pytest.approx(outline, rel=1e-12)
