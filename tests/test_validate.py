"""`placegeo validate`: each check on a broken variant of a real bundled layer or option.

The variants are built here from the bundled L&SC districts (lad21, 21 features): a hole punched
across a shared boundary, one district buffered over its neighbours, a bow-tie, a duplicate code, a point,
an empty geometry, a Shapefile without .prj, degrees labelled as metres, swapped axes, bad codes, a sliver,
and options with unknown blocks, a block in two places, overlapping places, an uncovered footprint and
sub-units that do not tile. Each test asserts the check id, where it points (code and coordinates) and
the exit code; figures are checked against an independent computation.
"""

from __future__ import annotations

import json
import math
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from placegeo.layers import load_layer

PRESTON, SOUTH_RIBBLE, BLACKPOOL, FYLDE = "E07000123", "E07000126", "E06000009", "E07000119"


@pytest.fixture(scope="module")
def lad21() -> gpd.GeoDataFrame:
    frame = load_layer("lad21").frame
    return frame[["LAD21CD", "LAD21NM", "geometry"]].copy()


def _write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path, engine="pyogrio")
    return path


def _report(run_cli, *args) -> tuple[int, dict]:
    result = run_cli("validate", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, json.loads(result.stdout)


def _findings(report: dict, check: str | None = None) -> list[dict]:
    found = [f for r in report["files"] for f in r["findings"]]
    return [f for f in found if check is None or f["check"] == check]


def _geom(frame, code):
    return frame.set_index("LAD21CD").geometry[code]


def _near(finding: dict, point, metres: float) -> bool:
    return math.hypot(finding["x"] - point.x, finding["y"] - point.y) <= metres


# --- bundled data validates clean ---------------------------------------------------------------------------

def test_bundled_lsc_layers_are_clean(run_cli):
    code, report = _report(run_cli, "lsoa11", "lad21", "ctyua21", "ccg21", "icb", "practices")
    assert code == 0
    assert _findings(report) == []


def test_bundled_lsoa21_only_has_sub_square_metre_slivers(run_cli):
    code, report = _report(run_cli, "lsoa21")
    assert code == 0
    assert {f["check"] for f in _findings(report)} <= {"sliver"}
    assert all(f["figures"]["area_m2"] < 1 for f in _findings(report))


def test_bundled_options_are_clean(run_cli):
    options = sorted(Path(__file__).resolve().parent.parent.glob("data/options/*.yaml"))
    assert options
    code, report = _report(run_cli, *options)
    assert code == 0
    assert _findings(report) == []
    assert all(r["type"] == "option" for r in report["files"])


# --- layer checks -------------------------------------------------------------------------------------------

def test_gap_across_a_shared_boundary(run_cli, lad21, tmp_path):
    edge = shapely.intersection(_geom(lad21, PRESTON).boundary, _geom(lad21, SOUTH_RIBBLE).boundary)
    centre = shapely.line_interpolate_point(shapely.line_merge(edge), 0.5, normalized=True)
    hole = centre.buffer(200)
    broken = lad21.copy()
    broken["geometry"] = broken.geometry.difference(hole)
    code, report = _report(run_cli, _write(broken, tmp_path / "gap.gpkg"))
    assert code == 1
    (gap,) = _findings(report, "coverage-gap")
    assert gap["severity"] == "error"
    assert {PRESTON, SOUTH_RIBBLE} <= set(gap["figures"]["around"])
    assert gap["figures"]["area_m2"] == pytest.approx(hole.area, rel=1e-6)
    assert _near(gap, centre, 200)
    assert report["files"][0]["summary"]["gap_area_km2"] == pytest.approx(hole.area / 1e6, abs=1e-6)


def test_overlap_of_a_buffered_district(run_cli, lad21, tmp_path):
    broken = lad21.copy()
    grown = _geom(lad21, BLACKPOOL).buffer(100)
    broken.loc[broken.LAD21CD == BLACKPOOL, "geometry"] = grown
    code, report = _report(run_cli, _write(broken, tmp_path / "overlap.gpkg"))
    assert code == 1
    overlaps = _findings(report, "coverage-overlap")
    assert {f["code"] for f in overlaps} | {f["figures"]["other"] for f in overlaps} >= {BLACKPOOL, FYLDE}
    # independently: geopandas.overlay of the grown district with the untouched others
    others = lad21[lad21.LAD21CD != BLACKPOOL]
    pieces = gpd.overlay(gpd.GeoDataFrame(geometry=[grown], crs=lad21.crs), others, how="intersection")
    expected = pieces.assign(area=pieces.area).set_index("LAD21CD")["area"]
    got = {f["figures"]["other"] if f["code"] == BLACKPOOL else f["code"]: f["figures"]["area_m2"]
           for f in overlaps}
    for district, area in expected[expected > 0.01].items():
        assert got[district] == pytest.approx(area, rel=1e-3)
    fylde = next(f for f in overlaps if FYLDE in (f["code"], f["figures"]["other"]))
    assert shapely.Point(fylde["x"], fylde["y"]).distance(_geom(lad21, BLACKPOOL)) <= 100.1


def test_bow_tie_is_invalid_with_its_point(run_cli, lad21, tmp_path):
    x, y = _geom(lad21, PRESTON).centroid.coords[0]
    bow_tie = shapely.Polygon([(x - 500, y - 500), (x + 500, y + 500), (x + 500, y - 500), (x - 500, y + 500)])
    broken = lad21.copy()
    broken.loc[broken.LAD21CD == PRESTON, "geometry"] = bow_tie
    code, report = _report(run_cli, _write(broken, tmp_path / "bowtie.gpkg"), "--skip", "coverage-gap")
    assert code == 1
    (invalid,) = _findings(report, "geometry-invalid")
    assert invalid["code"] == PRESTON
    assert (invalid["x"], invalid["y"]) == pytest.approx((x, y), abs=0.1)
    assert invalid["figures"] == {"reason": "Self-intersection", "repairable": True}
    assert "make_valid repairs it" in invalid["message"]


def test_duplicate_code(run_cli, lad21, tmp_path):
    broken = lad21.copy()
    broken.loc[broken.LAD21CD == FYLDE, "LAD21CD"] = BLACKPOOL
    code, report = _report(run_cli, _write(broken, tmp_path / "dupe.gpkg"))
    assert code == 1
    (dupe,) = _findings(report, "code-duplicate")
    assert dupe["code"] == BLACKPOOL
    assert dupe["figures"]["count"] == 2
    assert _geom(lad21, FYLDE).contains(shapely.Point(dupe["x"], dupe["y"]))  # points at the second one


def test_point_among_polygons(run_cli, lad21, tmp_path):
    broken = lad21.copy()
    point = _geom(lad21, FYLDE).representative_point()
    broken.loc[broken.LAD21CD == FYLDE, "geometry"] = point
    code, report = _report(run_cli, _write(broken, tmp_path / "point.geojson"))
    assert code == 1
    (finding,) = _findings(report, "not-polygonal")
    assert finding["code"] == FYLDE
    assert _near(finding, point, 1)
    assert "Point" in finding["message"]


def test_empty_geometry(run_cli, lad21, tmp_path):
    broken = lad21.copy()
    broken.loc[broken.LAD21CD == FYLDE, "geometry"] = shapely.Polygon()
    code, report = _report(run_cli, _write(broken, tmp_path / "empty.gpkg"))
    assert code == 1
    (finding,) = _findings(report, "geometry-empty")
    assert finding["code"] == FYLDE
    assert (finding["x"], finding["y"]) == (None, None)


def test_shapefile_without_prj(run_cli, lad21, tmp_path):
    path = _write(lad21, tmp_path / "noprj.shp")
    path.with_suffix(".prj").unlink()
    code, report = _report(run_cli, path)
    assert code == 1
    (finding,) = _findings(report)
    assert finding["check"] == "crs-missing"
    assert "EPSG:27700" in finding["message"]


def test_degrees_labelled_as_metres(run_cli, lad21, tmp_path):
    broken = lad21.to_crs(4326).set_crs(27700, allow_override=True)
    code, report = _report(run_cli, _write(broken, tmp_path / "degrees.gpkg"))
    assert code == 1
    assert [f["check"] for f in _findings(report)] == ["crs-implausible"]
    assert "degrees" in _findings(report)[0]["message"]


def test_swapped_axes_and_locations_still_in_bng(run_cli, lad21, tmp_path):
    broken = lad21.copy()
    x, y = _geom(lad21, PRESTON).centroid.coords[0]
    broken.loc[broken.LAD21CD == PRESTON, "geometry"] = shapely.Polygon(
        [(x - 500, y - 500), (x + 500, y + 500), (x + 500, y - 500), (x - 500, y + 500)])
    broken = broken.to_crs(4326)
    broken = broken.set_geometry(shapely.transform(broken.geometry.values, lambda c: c[:, ::-1]))
    code, report = _report(run_cli, _write(broken, tmp_path / "swapped.geojson"), "--skip", "coverage-gap")
    assert code == 1
    checks = [f["check"] for f in _findings(report)]
    assert checks[0] == "axes-swapped"
    (invalid,) = _findings(report, "geometry-invalid")  # found after swapping back, located in EPSG:27700
    assert (invalid["x"], invalid["y"]) == pytest.approx((x, y), abs=5)


def test_bad_codes_kind_from_column_is_a_warning(run_cli, lad21, tmp_path):
    broken = lad21.copy()
    broken.loc[broken.LAD21CD == FYLDE, "LAD21CD"] = "E38000226"  # a CCG code in a district layer
    path = _write(broken, tmp_path / "codes.gpkg")
    code, report = _report(run_cli, path)
    (finding,) = _findings(report, "code-pattern")
    assert (finding["code"], finding["severity"], code) == ("E38000226", "warning", 0)
    assert _geom(lad21, FYLDE).contains(shapely.Point(finding["x"], finding["y"]))
    code, report = _report(run_cli, path, "--kind", "lad")
    assert code == 1
    assert _findings(report, "code-pattern")[0]["severity"] == "error"
    code, report = _report(run_cli, path, "--kind", "ccg")
    assert len(_findings(report, "code-pattern")) == len(lad21) - 1


def test_missing_code_column(run_cli, lad21, tmp_path):
    broken = lad21.rename(columns={"LAD21CD": "district"})
    code, report = _report(run_cli, _write(broken, tmp_path / "nocode.gpkg"))
    assert code == 1
    assert [f["check"] for f in _findings(report)] == ["code-column-missing"]


def test_sliver_part(run_cli, lad21, tmp_path):
    broken = lad21.copy()
    fylde = _geom(lad21, FYLDE)
    minx, miny, _, _ = fylde.bounds
    speck = shapely.box(minx - 5000, miny, minx - 4995, miny + 5)  # 25 m² in the Irish Sea
    broken.loc[broken.LAD21CD == FYLDE, "geometry"] = shapely.MultiPolygon([*shapely.get_parts(fylde), speck])
    path = _write(broken, tmp_path / "sliver.gpkg")
    code, report = _report(run_cli, path, "--sliver-area", "100")
    assert code == 0  # slivers are warnings
    (sliver,) = _findings(report, "sliver")
    assert sliver["code"] == FYLDE and sliver["figures"]["area_m2"] == pytest.approx(25)
    assert _near(sliver, speck.centroid, 5)
    assert run_cli("validate", path, "--sliver-area", "100", "--fail-on", "warning").exit_code == 1
    assert _findings(_report(run_cli, path)[1], "sliver") == []  # default threshold 1 m²


# --- option checks ------------------------------------------------------------------------------------------

def _option(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "option.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_option_unknown_block(run_cli, tmp_path):
    path = _option(tmp_path, "name: t\nblocks: lad21\nplaces:\n  - name: Central\n    blocks: [Prestn, Chorley]\n")
    code, report = _report(run_cli, "--option", path)
    assert code == 1
    (finding,) = _findings(report, "option-block-unknown")
    assert finding["code"] == "Prestn" and finding["line"] == 5
    assert "Preston" in finding["message"]  # the suggestion


def test_option_block_in_two_places(run_cli, tmp_path):
    path = _option(tmp_path, "name: t\nblocks: lad21\nplaces:\n  - name: A\n    blocks: [Preston, Chorley]\n"
                             "  - name: B\n    blocks: [E07000118]\n")
    code, report = _report(run_cli, "--option", path)
    assert code == 1
    (finding,) = _findings(report, "option-block-twice")
    assert finding["code"] == "E07000118" and finding["line"] == 7
    assert "'A' and 'B'" in finding["message"]


def test_option_places_overlap(run_cli, lad21, tmp_path):
    preston = _geom(lad21, PRESTON).buffer(300)
    drawing = gpd.GeoDataFrame({"place": ["Preston+", "South Ribble"]},
                               geometry=[preston, _geom(lad21, SOUTH_RIBBLE)], crs=lad21.crs)
    path = _write(drawing, tmp_path / "drawing.gpkg")
    code, report = _report(run_cli, "--option", path)
    assert code == 1
    (finding,) = _findings(report, "option-places-overlap")
    expected = preston.intersection(_geom(lad21, SOUTH_RIBBLE)).area
    assert finding["figures"]["area_m2"] == pytest.approx(expected, rel=1e-6)
    assert shapely.Point(finding["x"], finding["y"]).distance(_geom(lad21, PRESTON)) <= 300.1


def test_option_footprint_uncovered_with_population(run_cli, tmp_path):
    lsoa = load_layer("lsoa11").frame
    in_icb = lsoa[lsoa.ICB22CD.notna()]
    districts = sorted(set(in_icb.LAD21CD) - {"E06000009", "E07000029", "E07000163"})  # not Blackpool
    blocks = "\n".join(f"      - {c}" for c in districts)
    path = _option(tmp_path, f"name: t\nblocks: lad21\nplaces:\n  - name: All but Blackpool\n    blocks:\n{blocks}\n")
    code, report = _report(run_cli, "--option", path, "--footprint", "icb")
    assert code == 1
    uncovered = _findings(report, "option-footprint-uncovered")
    expected = int(in_icb.loc[~in_icb.LAD21CD.isin(districts), "POP2020"].sum())  # Blackpool + Copeland/Craven bits
    assert sum(f["figures"]["population"] for f in uncovered) == expected
    assert report["files"][0]["summary"]["footprint_uncovered_population"] == expected
    blackpool = max(uncovered, key=lambda f: f["figures"]["population"])
    assert load_layer("lad21").frame.set_index("LAD21CD").geometry["E06000009"].contains(
        shapely.Point(blackpool["x"], blackpool["y"]))


def test_option_subunits_do_not_tile(run_cli, tmp_path):
    path = _option(tmp_path, "name: t\nblocks: lad21\nplaces:\n  - name: Central\n    blocks: [Preston, Chorley]\n"
                             "    subunits:\n      places:\n        - name: P\n          blocks: [Preston]\n")
    code, report = _report(run_cli, "--option", path)
    assert code == 1
    (finding,) = _findings(report, "option-subunits-mismatch")
    assert finding["code"] == "E07000118"
    assert finding["figures"]["blocks"] == ["E07000118"]
    chorley = load_layer("lad21").frame.set_index("LAD21CD").geometry["E07000118"]
    assert finding["figures"]["area_m2"] == pytest.approx(chorley.area, rel=1e-9)


# --- output formats and exit codes ---------------------------------------------------------------------------

def test_junit_has_a_testcase_per_check(run_cli, lad21, tmp_path):
    broken = lad21.copy()
    broken.loc[broken.LAD21CD == FYLDE, "LAD21CD"] = BLACKPOOL
    result = run_cli("validate", _write(broken, tmp_path / "dupe.gpkg"), "--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    (suite,) = root.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert "code-duplicate" in cases and "geometry-invalid" in cases
    assert cases["code-duplicate"].find("failure") is not None
    assert cases["geometry-invalid"].find("failure") is None
    assert int(suite.get("tests")) == len(cases) and int(suite.get("failures")) == 1


def test_github_annotations(run_cli, lad21, tmp_path):
    broken = lad21.copy()
    broken.loc[broken.LAD21CD == FYLDE, "LAD21CD"] = BLACKPOOL
    path = _write(broken, tmp_path / "dupe.gpkg")
    result = run_cli("validate", path, "--format", "github")
    assert result.exit_code == 1
    line = result.stdout.splitlines()[0]
    assert line.startswith(f"::error file={path},title=placegeo code-duplicate::{BLACKPOOL}: ")


def test_text_report_and_out_file(run_cli, tmp_path):
    out = tmp_path / "report.txt"
    result = run_cli("validate", "lad21", "--out", out)
    assert result.exit_code == 0 and result.stdout == ""
    assert "lad21 (layer): 21 features" in out.read_text()
    assert run_cli("validate", "lad21", "--out", out).exit_code == 2  # refuses to overwrite without --force


@pytest.mark.parametrize("args", [["no/such/file.gpkg"], ["lad2l"], ["lad21", "--format", "xml"],
                                  ["lad21", "--fail-on", "never"], ["lad21", "--skip", "no-such-check"], []])
def test_could_not_run_exits_2(run_cli, args):
    result = run_cli("validate", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("placegeo: error:")


# --- published layers in ../shared ---------------------------------------------------------------------------

def test_edec_pcn_catchments_overlap_and_leave_gaps(run_cli, shared_sources):
    path = shared_sources / "pcn-boundaries-edec-2020" / "boundaries_pcn_lsc.geojson"
    code, report = _report(run_cli, path)
    assert code == 1
    summary = report["files"][0]["summary"]
    frame = gpd.read_file(path).to_crs(27700)
    union = shapely.union_all(frame.geometry.values)
    filled = shapely.union_all([shapely.Polygon(p.exterior) for p in shapely.get_parts(union)])
    # gaps: the holes of the union = its hole-filled area minus itself
    assert summary["gap_area_km2"] == pytest.approx((filled.area - union.area) / 1e6, abs=1e-3)
    # overlaps: area covered at least twice <= sum of areas - union area <= sum of pairwise overlaps
    excess = (frame.area.sum() - union.area) / 1e6
    assert summary["overlap_area_km2"] <= excess <= summary["overlap_pairwise_sum_km2"]
    assert summary["overlap_pairs"] == len(_findings(report, "coverage-overlap")) > 100
    assert summary["gaps"] == len(_findings(report, "coverage-gap")) > 10


def test_ons_lsoa11_has_its_one_invalid_polygon(run_cli, shared_sources):
    path = shared_sources / "ons-boundaries-national-geographr" / "lsoa11.geojson"
    start = time.perf_counter()
    code, report = _report(run_cli, path)
    assert time.perf_counter() - start < 60
    assert code == 1
    (finding,) = _findings(report)
    assert (finding["check"], finding["code"]) == ("geometry-invalid", "E01019828")
    feature = gpd.read_file(path, where="lsoa11_code = 'E01019828'").to_crs(27700).geometry.iloc[0]
    assert shapely.Point(finding["x"], finding["y"]).distance(feature) < 1


def test_every_check_id_is_documented():
    from placegeo.checks.base import CHECKS

    text = (Path(__file__).resolve().parent.parent / "docs" / "validate.md").read_text(encoding="utf-8")
    assert [c for c in CHECKS if f"| `{c}` |" not in text] == []


def test_an_empty_place_is_an_option_finding(tmp_path, run_cli):
    path = tmp_path / "empty.yaml"
    path.write_text("name: t\nblocks: lad21\nplaces:\n  - {name: A, blocks: []}\n  - {name: B, blocks: [Wyre]}\n")
    result = run_cli("validate", "--option", path, "--format", "json")
    assert result.exit_code == 1
    assert "option-place-empty" in result.stdout and "place 'A'" in result.stdout


def test_a_yaml_named_with_option_must_be_an_option(tmp_path, run_cli):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    code, report = _report(run_cli, "--option", path)
    assert code == 1  # the same problem `compare` refuses it for, as a finding on line 1
    (finding,) = _findings(report)
    assert (finding["check"], finding["line"]) == ("option-structure", 1)
    assert finding["message"] == "is not an option file (expected a mapping with 'name' and 'places')"
    assert run_cli("validate", path).exit_code == 0  # as a positional YAML (pre-commit passes every YAML) it is skipped


def _variants(lad21):
    """Broken copies of the districts: a gap across a boundary (edges still match), a district grown over its
    neighbours (overlaps), one moved 5 m (overlaps, gaps and unmatched edges at once)."""
    edge = shapely.intersection(_geom(lad21, PRESTON).boundary, _geom(lad21, SOUTH_RIBBLE).boundary)
    hole = shapely.line_interpolate_point(shapely.line_merge(edge), 0.5, normalized=True).buffer(200)
    gap = lad21.geometry.difference(hole).values
    grown = lad21.geometry.values.copy()
    grown[(lad21.LAD21CD == BLACKPOOL).to_numpy()] = _geom(lad21, BLACKPOOL).buffer(100)
    moved = lad21.geometry.values.copy()
    moved[(lad21.LAD21CD == FYLDE).to_numpy()] = shapely.transform(_geom(lad21, FYLDE), lambda xy: xy + 5.0)
    return {"gap": gap, "grown": grown, "moved": moved}


@pytest.mark.parametrize("variant", ["gap", "grown", "moved"])
def test_coverage_fast_path_finds_what_the_full_checks_find(lad21, variant):
    """Testing the coverage first (and skipping the overlap search when it is valid) changes no finding."""
    import numpy as np

    from placegeo.checks.coverage import coverage_findings

    geoms = np.asarray(_variants(lad21)[variant], dtype=object)
    codes = lad21.LAD21CD.tolist()
    fast, fast_summary = coverage_findings(geoms, codes, "x.gpkg")
    full, full_summary = coverage_findings(geoms, codes, "x.gpkg", fast=False)
    assert [f.to_dict() for f in fast] == [f.to_dict() for f in full]
    assert fast_summary == full_summary
    assert fast  # every variant is broken somewhere
    assert bool(shapely.coverage_is_valid(geoms)) == (variant == "gap")  # the gap one takes the fast path


@pytest.mark.parametrize("gap_width", [0.0, 25.0])
def test_edges_checked_in_chunks_are_the_edges_of_one_call(gap_width):
    """The L&SC LSOAs, two of them broken (one moved 5 m, one grown 30 m), checked in three chunks on threads:
    every feature's unmatched edges are exactly those of one shapely.coverage_invalid_edges call."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from placegeo.checks.coverage import invalid_edges

    frame = load_layer("lsoa11").frame
    geoms = np.asarray(frame.geometry.values, dtype=object).copy()
    geoms[10] = shapely.transform(geoms[10], lambda xy: xy + 5.0)
    geoms[500] = geoms[500].buffer(30)
    whole = shapely.coverage_invalid_edges(geoms, gap_width=gap_width)
    with ThreadPoolExecutor(3) as pool:
        chunked = invalid_edges(geoms, gap_width, pool=pool, threads=3, chunked_from=0)
    assert (~shapely.is_empty(whole)).sum() >= 2  # the broken ones and their neighbours
    assert shapely.to_wkb(chunked).tolist() == shapely.to_wkb(whole).tolist()
