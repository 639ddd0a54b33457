"""The numpy fast path of the coverage check (placegeo.checks.segments): GEOS is asked only about the polygons
whose segments are not all matched with a neighbour's, and the union only when the outline shows a hole. The
findings must be the full checks' findings, and the edges those of one ``shapely.coverage_invalid_edges``
call: on the England LSOAs as published (a valid coverage), and on broken copies of the LSOAs around
Birmingham (an ICB other than Lancashire and South Cumbria)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from placegeo.checks.coverage import _edges_and_union, coverage_findings
from placegeo.checks.segments import outline_has_holes, outline_proves_valid, segments, unmatched_polygons
from placegeo.layers import load_layer

BIRMINGHAM = shapely.Point(407_000, 287_000)  # EPSG:27700


@pytest.fixture(scope="module")
def england():
    frame = load_layer("england/lsoa21").frame
    return np.asarray(frame.geometry.values, dtype=object), frame.iloc[:, 0].astype(str).tolist()


@pytest.fixture(scope="module")
def birmingham(england):
    """The England LSOAs within 3 km of the centre of Birmingham."""
    geoms, codes = england
    near = np.flatnonzero(shapely.dwithin(geoms, BIRMINGHAM, 3_000))
    return geoms[near].copy(), [codes[i] for i in near]


def test_england_edges_are_one_geos_call_and_the_union_has_no_hole(england):
    geoms, _ = england
    edges, union = _edges_and_union(geoms, union=True)
    whole = shapely.coverage_invalid_edges(geoms)
    assert shapely.to_wkb(edges).tolist() == shapely.to_wkb(whole).tolist()
    assert shapely.is_empty(whole).all()  # published as a valid coverage
    assert union is not None and union.is_empty  # no hole: the union is not needed ...
    merged = shapely.coverage_union_all(geoms)
    assert sum(len(part.interiors) for part in shapely.get_parts(merged)) == 0  # ... and GEOS's has none


def test_the_unmatched_segments_are_the_outline_of_england(england):
    """Segments not matched one for one are exactly the boundary of the union: their length is its length."""
    geoms, _ = england
    found = segments(geoms)
    free = found.unmatched()
    length = float(np.abs(found.points[free + 1] - found.points[free]).sum())
    outline = float(shapely.coverage_union_all(geoms).boundary.length)
    assert length == pytest.approx(outline, rel=1e-9)
    assert 0 < len(unmatched_polygons(found)) < len(geoms) / 10  # the coastal ones
    assert outline_proves_valid(found, geoms)  # and the outline shows them valid: GEOS is not asked at all


def _shared_vertex(geoms, i):
    """A vertex of polygon ``i`` that one of its neighbours has too."""
    mine = shapely.get_coordinates(geoms[i])
    for j in shapely.STRtree(geoms).query(geoms[i], predicate="touches"):
        theirs = {tuple(xy) for xy in shapely.get_coordinates(geoms[j])}
        for k, xy in enumerate(mine[:-1]):
            if tuple(xy) in theirs:
                return k
    raise AssertionError("no shared vertex")


def _broken(geoms, codes, variant):
    geoms, codes = geoms.copy(), list(codes)
    middle = int(np.argmin(shapely.distance(geoms, BIRMINGHAM)))
    if variant == "overlap":  # one LSOA grown 30 m over its neighbours
        geoms[middle] = geoms[middle].buffer(30)
    elif variant == "gap":  # a hole across the boundary of two LSOAs (their edges still match elsewhere)
        edge = shapely.intersection(geoms[middle].boundary, geoms[middle + 1].boundary)
        hole = shapely.line_interpolate_point(shapely.line_merge(edge), 0.5, normalized=True).buffer(40)
        geoms = shapely.difference(geoms, hole)
    elif variant == "moved":  # one LSOA moved 5 m
        geoms[middle] = shapely.transform(geoms[middle], lambda xy: xy + 5.0)
    elif variant == "nudged":  # one shared vertex moved 1 mm in one LSOA only
        vertex = shapely.get_coordinates(geoms[middle])[_shared_vertex(geoms, middle)]
        at_vertex = lambda xy: (xy == vertex).all(axis=1)[:, None]  # noqa: E731
        geoms[middle] = shapely.transform(geoms[middle], lambda xy: xy + [0.001, 0.0] * at_vertex(xy))
    elif variant == "duplicated":  # one LSOA twice
        geoms = np.append(geoms, geoms[middle])
        codes.append(codes[middle] + "-copy")
    assert shapely.is_valid(geoms).all()
    return geoms, codes


@pytest.mark.parametrize("variant", ["none", "overlap", "gap", "moved", "nudged", "duplicated"])
def test_fast_path_finds_what_the_full_checks_find(birmingham, variant):
    geoms, codes = _broken(*birmingham, variant)
    fast, fast_summary = coverage_findings(geoms, codes, "x.gpkg")
    full, full_summary = coverage_findings(geoms, codes, "x.gpkg", fast=False)
    assert [f.to_dict() for f in fast] == [f.to_dict() for f in full]
    assert fast_summary == full_summary
    assert bool(fast) == (variant != "none")
    edges, _ = _edges_and_union(geoms, union=False)
    assert shapely.to_wkb(edges).tolist() == shapely.to_wkb(shapely.coverage_invalid_edges(geoms)).tolist()


def test_a_hole_in_the_union_is_seen_from_the_outline(birmingham):
    geoms, codes = _broken(*birmingham, "gap")
    assert outline_has_holes(segments(geoms))
    assert not outline_has_holes(segments(birmingham[0]))
