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


def test_shared_edge_split_counts_only_edges_two_units_share_bit_for_bit():
    import shapely

    from placegeo.tiling import shared_edge_split

    units = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]  # they share the edge x = 1, 0 <= y <= 1
    # below the units (1 m), along the shared edge (1 m), then along the right unit's top (1 m, one unit only)
    line = shapely.LineString([(1, -1), (1, 0), (1, 1), (2, 1)])
    # the shared edge again, but with a vertex in its middle: not the units' edge, so measured the slow way
    split = shapely.LineString([(1, 0), (1, 0.5), (1, 1)])
    exact, rest, owner = shared_edge_split([line, split], units)
    assert exact.tolist() == [1.0, 0.0]
    assert owner.tolist() == [0, 0, 1]  # the two runs of `line` either side of the shared edge, then `split`
    assert shapely.length(rest).tolist() == [1.0, 1.0, 1.0]


def test_shared_edge_runs_give_each_polygon_its_copy_of_a_shared_edge():
    import shapely

    from placegeo.tiling import shared_edge_runs

    inner, inner_of, outer, outer_of = shared_edge_runs([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    assert sorted(inner_of.tolist()) == [0, 1] and shapely.length(inner).tolist() == [1.0, 1.0]
    assert float(shapely.length(outer).sum()) == 6.0 and set(outer_of.tolist()) == {0, 1}


def test_edges_among_is_true_only_for_edges_of_the_polygons_bit_for_bit():
    import shapely

    from placegeo.tiling import edges_among

    square = shapely.box(0, 0, 2, 2)
    assert edges_among([shapely.LineString([(2, 0), (2, 2), (0, 2)])], [square])  # two of its edges, reversed
    assert not edges_among([shapely.LineString([(2, 0), (2, 1)])], [square])  # half an edge: on it, not an edge
    assert not edges_among([shapely.LineString([(0, 0), (2, 2)])], [square])  # a diagonal
