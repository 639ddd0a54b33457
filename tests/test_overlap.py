"""The overlap engine against geopandas.overlay on real layers, and the membership path against pandas."""

from __future__ import annotations

import numpy as np
import pytest

from placegeo.api import overlap
from placegeo.overlaps import intersection_areas, membership_overlap, overlay_areas

LANCASHIRE_BOX = (330_000, 400_000, 380_000, 450_000)  # a 50 km square over central Lancashire (EPSG:27700)


def _read(layer_id: str, box=LANCASHIRE_BOX):
    import geopandas as gpd

    from placegeo.catalogue import get_entry

    entry = get_entry(layer_id)
    if entry.path.suffix == ".parquet":
        frame = gpd.read_parquet(entry.path)
        frame = frame.cx[box[0]:box[2], box[1]:box[3]] if box else frame
    else:
        frame = gpd.read_file(entry.path, layer=entry.layer, bbox=box)
    return frame.to_crs(27700).reset_index(drop=True), entry.code


def _agree(left, lcode, right, rcode):
    """Largest relative difference between the engine and overlay, per pair, and the pair sets."""
    left = left.rename(columns={lcode: "L"})[["L", "geometry"]]
    right = right.rename(columns={rcode: "R"})[["R", "geometry"]]
    pairs = intersection_areas(left.geometry.values, right.geometry.values)
    engine = {(left.L[i], right.R[j]): a for i, j, a in zip(pairs.left, pairs.right, pairs.area, strict=True)}
    base = overlay_areas(left, right, "L", "R")
    base = {k: v for k, v in base.items() if v > 0}
    assert set(engine) == set(base)
    return max(abs(engine[k] - base[k]) / base[k] for k in base)


@pytest.mark.parametrize("big", ["published/lad21", "published/ccg21", "published/icb22"])
def test_generalised_layers_against_lsoa21_agree_with_overlay(big):
    """Published generalised LADs / CCGs / ICBs over LSOAs 2021: edges do not match; areas still agree."""
    small, scode = _read("england/lsoa21")
    large, lcode = _read(big)
    assert _agree(small, scode, large, lcode) < 1e-9


def test_generalised_ccgs_against_lsoa11_agree_with_overlay():
    small, scode = _read("lsoa11")
    large, lcode = _read("published/ccg21")
    assert _agree(large, lcode, small, scode) < 1e-9


def test_full_resolution_pennine_ccgs_against_lsoas_agree_with_overlay(shared_sources):
    import geopandas as gpd

    folder = shared_sources / "pennine-fullres-bwd"
    ccgs = gpd.read_file(folder / "CCGs.geojson").to_crs(27700)
    lsoas = gpd.read_file(folder / "lsoa.geojson").to_crs(27700)
    assert _agree(ccgs, "ccg18cd", lsoas, "lsoa11cd") < 1e-9


def test_touching_neighbours_are_not_pairs():
    """Districts only touch one another: a layer against itself pairs each district with itself only."""
    lads, code = _read("lad21", box=None)
    pairs = intersection_areas(lads.geometry.values, lads.geometry.values)
    assert sorted(zip(pairs.left, pairs.right, strict=True)) == [(i, i) for i in range(len(lads))]
    assert pairs.area == pytest.approx(lads.geometry.area.to_numpy()[pairs.left], rel=1e-12)


def test_geometry_pieces_add_up_to_pair_areas():
    import shapely

    small, _ = _read("lsoa11")
    large, _ = _read("published/lad21")
    pairs = intersection_areas(large.geometry.values, small.geometry.values, geometry=True)
    pieces = np.bincount(pairs.piece_pair, weights=shapely.area(pairs.piece_geometry), minlength=len(pairs.area))
    assert pieces == pytest.approx(pairs.area, rel=1e-9)


def test_two_threads_give_the_same_answer_as_one(monkeypatch):
    """Batches spread over threads (each with its own prepared copy) change nothing, to the last bit."""
    import shapely

    import placegeo.overlaps as engine

    monkeypatch.setattr(engine, "CHUNK", 97)  # many small batches, so both threads get work
    small, _ = _read("england/lsoa21")
    large, _ = _read("published/lad21")
    one = intersection_areas(large.geometry.values, small.geometry.values, geometry=True, threads=1)
    two = intersection_areas(large.geometry.values, small.geometry.values, geometry=True, threads=2)
    assert (one.left == two.left).all() and (one.right == two.right).all() and (one.area == two.area).all()
    assert (one.piece_pair == two.piece_pair).all()
    assert (shapely.area(one.piece_geometry) == shapely.area(two.piece_geometry)).all()
    one = intersection_areas(large.geometry.values, small.geometry.values, threads=1)  # areas only: subtraction
    two = intersection_areas(large.geometry.values, small.geometry.values, threads=2)
    assert one.derived > 0 and one.derived == two.derived
    assert (one.left == two.left).all() and (one.right == two.right).all() and (one.area == two.area).all()


def test_clipping_the_big_polygon_leaves_areas_unchanged(monkeypatch):
    """Straddling pairs with the district clipped to the LSOA's box (grown by a margin) or whole: same areas."""
    import placegeo.overlaps as engine

    small, _ = _read("england/lsoa21")
    large, _ = _read("published/lad21")
    clipped = intersection_areas(large.geometry.values, small.geometry.values)
    monkeypatch.setattr(engine, "CLIP_MIN_COORDS", 10**9)
    whole = intersection_areas(large.geometry.values, small.geometry.values)
    assert (clipped.left == whole.left).all() and (clipped.right == whole.right).all()
    assert clipped.area == pytest.approx(whole.area, rel=1e-9)


def test_areas_found_by_subtraction_equal_the_intersections(monkeypatch):
    """Where the districts tile the plane around an LSOA, its largest overlap is its area minus the others:
    the same pairs and areas (to 1e-9) as intersecting every pair."""
    import placegeo.overlaps as engine

    small, _ = _read("england/lsoa21")
    large, _ = _read("published/lad21")
    derived = intersection_areas(large.geometry.values, small.geometry.values)
    monkeypatch.setattr(engine, "_homes", lambda *args: (np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)))
    cut = intersection_areas(large.geometry.values, small.geometry.values)
    assert derived.derived > 100 and cut.derived == 0
    assert (derived.left == cut.left).all() and (derived.right == cut.right).all()
    assert derived.area == pytest.approx(cut.area, rel=1e-9)


def _shifted(frame, row: int, dx: float):
    import shapely

    frame = frame.copy()
    frame.loc[row, "geometry"] = shapely.transform(frame.geometry.iloc[row], lambda xy: xy + [dx, 0.0])
    return frame


def test_a_district_moved_over_its_neighbour_still_agrees_with_overlay():
    """Moving one district 150 m east makes an overlap on one side and a gap on the other: no subtraction
    may be taken there (the edges are no longer shared), and the areas still agree with overlay."""
    small, scode = _read("england/lsoa21")
    large, lcode = _read("published/lad21")
    preston = int(large.index[large[lcode] == "E07000123"][0])
    assert _agree(small, scode, _shifted(large, preston, 150.0), lcode) < 1e-9


def test_two_layers_stacked_in_one_set_still_agree_with_overlay():
    """Districts and counties in one set cover every point twice, though each layer's inner edges are
    shared: an LSOA inside a district is also inside its county, and both pairs keep their area."""
    import pandas as pd

    small, scode = _read("england/lsoa21")
    districts, dcode = _read("published/lad21")
    counties, ccode = _read("published/ctyua21")
    counties = counties.rename(columns={ccode: "code"})[["code", "geometry"]]
    both = pd.concat([districts.rename(columns={dcode: "code"})[["code", "geometry"]],
                      counties.assign(code="c" + counties["code"])], ignore_index=True)
    pairs = intersection_areas(both.geometry.values, small.geometry.values)
    assert pairs.derived == 0
    assert _agree(small, scode, both, "code") < 1e-9


def test_membership_overlap_refuses_a_layer_whose_units_share_atoms():
    import pandas as pd

    from placegeo.errors import UsageError

    weights = {"area_m2": pd.Series({"1": 1.0, "2": 2.0})}
    with pytest.raises(UsageError, match="shares atoms"):
        membership_overlap({"A": frozenset({"1", "2"}), "B": frozenset({"2"})}, {"X": frozenset({"1"})}, weights)


def test_membership_overlap_is_a_sum_over_shared_atoms():
    import pandas as pd

    left = {"A": frozenset({"1", "2"}), "B": frozenset({"3"})}
    right = {"X": frozenset({"1"}), "Y": frozenset({"2", "3", "4"})}
    weights = {"population": pd.Series({"1": 10.0, "2": 20.0, "3": 30.0, "4": 40.0})}
    table = membership_overlap(left, right, weights).set_index(["left", "right"])["population"].to_dict()
    assert table == {("A", "X"): 10.0, ("A", "Y"): 20.0, ("B", "Y"): 30.0}


def test_overlap_of_ccgs_and_districts_matches_pandas_crosstab():
    import geopandas as gpd

    from placegeo.catalogue import get_entry

    entry = get_entry("lsoa11")
    lsoas = gpd.read_file(entry.path, layer=entry.layer)
    truth = lsoas.dropna(subset=["CCG21CD"]).groupby(["CCG21CD", "LAD21CD"]).POP2020.sum()
    table = overlap("ccg21", "lad21", weight="population").set_index(["left", "right"])
    assert table["population"].to_dict() == pytest.approx(truth[truth > 0].to_dict(), rel=1e-12)
    preston = table.loc[("E38000226", "E07000123")]  # the Preston LSOA in Fylde and Wyre CCG
    assert preston["right_share"] == pytest.approx(truth[("E38000226", "E07000123")] / 144_147, rel=1e-12)


def test_overlap_cli_long_format(run_cli, tmp_path):
    out = tmp_path / "o.csv"
    result = run_cli("overlap", "ccg21", "ctyua21", "--weight", "both", "--out", out)
    assert result.exit_code == 0, result.stderr
    import pandas as pd

    table = pd.read_csv(out)
    assert list(table.columns) == ["left", "left_name", "right", "right_name", "area_m2", "population",
                                   "left_share", "right_share"]
    assert len(table) == 10  # eight CCGs; Morecambe Bay also in Cumbria and North Yorkshire (Craven)
    assert run_cli("overlap", "ccg21", "ctyua21", "--out", out).exit_code == 2
    assert run_cli("overlap", "ccg21", "ctyua21", "--weight", "mass").exit_code == 2


def test_boundary_match_fast_path_agrees_with_the_band_around_all_boundaries():
    """Per-unit bands (no union) and one band around the layer's boundaries measure the same lengths."""
    from placegeo.boundaries import boundary_lengths, internal_boundaries
    from placegeo.layers import load_layer
    from placegeo.options import load_option
    from tests.conftest import OPTIONS

    option = load_option(OPTIONS / "lsc-five-partnerships-2019.yaml")
    places = option.frame.geometry.values
    internal = internal_boundaries(places)
    units = load_layer("lad21").frame.geometry.values
    total, fast = boundary_lengths(places, units, 50, internal=internal, covered=True)
    _, slow = boundary_lengths(places, units, 50, internal=internal)
    assert fast == pytest.approx(slow, rel=1e-3)
    assert (fast < total).any() and (fast <= total).all()


def test_overlap_text_summarises_a_long_table(run_cli):
    """A table of hundreds of rows prints its first 20 and says how many there are; csv has them all."""
    import io

    import geopandas as gpd
    import pandas as pd

    from placegeo.catalogue import get_entry

    entry = get_entry("lsoa11")
    lsoas = len(gpd.read_file(entry.path, layer=entry.layer))  # every L&SC LSOA lies in one district
    full = pd.read_csv(io.StringIO(run_cli("overlap", "lsoa11", "lad21", "--format", "csv").stdout))
    assert len(full) == lsoas
    text = run_cli("overlap", "lsoa11", "lad21").stdout
    rows = [line for line in text.splitlines() if line.startswith("│ E01")]
    assert [r.split("│")[1].strip() for r in rows] == full["left"].head(20).tolist()
    assert f"first 20 of {lsoas:,} rows; all of them with --format csv" in text


def test_overlap_text_prints_a_short_table_whole(run_cli):
    text = run_cli("overlap", "ccg21", "ctyua21").stdout
    assert sum(line.startswith("│ E38") for line in text.splitlines()) == 10
    assert "rows; all of them" not in text
