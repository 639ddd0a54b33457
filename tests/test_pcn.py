"""PCN footprints: the bundled layer tiles the ICB, holds every practice, and its agreement figures are true."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from placegeo.catalogue import get_entry
from placegeo.layers import load_layer

PENNINE = {"E06000008", "E07000117", "E07000120", "E07000122", "E07000124", "E07000125"}
MEMBERSHIP = "pcn-membership-2025-10/gp-reg-pat-prac-map_2025-10_lsc.csv"
LOCATIONS = "practice-pcn-geocoded-2024/practice_pcn_lookup_geocoded_lsc.csv"
LIST_SIZES = "gp-list-size-2022-05/gp-reg-pat-prac-all_2022-05_lsc.csv"
REGISTRATIONS = "gp-reg-lsoa-pennine-2020/lsoapops_2020-04_pennine.csv"
CATCHMENTS = "pcn-boundaries-edec-2020/boundaries_pcn_lsc.geojson"


@pytest.fixture(scope="module")
def pcn():
    return load_layer("pcn")


@pytest.fixture(scope="module")
def icb_lsoas():
    frame = load_layer("lsoa11").frame
    return frame[frame.ICB22CD.notna()].set_index("LSOA11CD")


@pytest.fixture(scope="module")
def lookup():
    return pd.read_csv(get_entry("pcn").path.parent / "lsoa11_pcn.csv", dtype=str)


def modal_pcn_by_hand(sources, lsoas) -> pd.Series:
    """The PCN (Oct-2025 membership) with most April-2020 registered patients in each Pennine LSOA: plain pandas."""
    reg = pd.read_csv(sources / REGISTRATIONS, dtype={"PRACTICE_CODE": str, "LSOA_CODE": str})
    members = pd.read_csv(sources / MEMBERSHIP, dtype=str)
    reg = reg[reg.LSOA_CODE.isin(lsoas)].merge(members[["PRACTICE_CODE", "PCN_CODE"]], on="PRACTICE_CODE")
    reg = reg[reg.PCN_CODE != "U"]
    totals = reg.groupby(["LSOA_CODE", "PCN_CODE"])["Number.of.Patients"].sum().reset_index()
    totals = totals.sort_values(["LSOA_CODE", "Number.of.Patients", "PCN_CODE"], ascending=[True, False, True])
    return totals.drop_duplicates("LSOA_CODE").set_index("LSOA_CODE").PCN_CODE


def test_pcn_layer_tiles_the_icb_footprint(pcn):
    icb = load_layer("icb").frame.geometry.iloc[0]
    geoms = pcn.frame.geometry.to_numpy()
    assert shapely.coverage_is_valid(geoms)
    assert shapely.union_all(geoms).area == pytest.approx(icb.area, abs=1.0)
    assert pcn.frame.area.sum() == pytest.approx(icb.area, abs=1.0)


def test_pcn_population_equals_the_footprints(pcn, icb_lsoas):
    assert len(icb_lsoas) == 1058
    assert int(pcn.frame.POP2020.sum()) == int(icb_lsoas.POP2020.sum())


def test_lookup_is_the_layers_exact_membership(pcn, icb_lsoas, lookup):
    assert sorted(lookup.LSOA11CD) == sorted(icb_lsoas.index)
    pop = icb_lsoas.POP2020.groupby(lookup.set_index("LSOA11CD").PCN_CODE).sum()
    counts = lookup.PCN_CODE.value_counts()
    frame = pcn.frame.set_index("PCN_CODE")
    assert (pop.reindex(frame.index) == frame.POP2020).all()
    assert (counts.reindex(frame.index) == frame.LSOA_COUNT).all()
    area = icb_lsoas.area.groupby(lookup.set_index("LSOA11CD").PCN_CODE).sum()
    assert (frame.area - area.reindex(frame.index)).abs().max() < 1.0


def test_every_practice_lands_in_exactly_one_pcn_footprint(pcn):
    practices = load_layer("practices").frame
    hits = gpd.sjoin(practices, pcn.frame[["PCN_CODE", "geometry"]], predicate="intersects", how="left")
    per_practice = hits.groupby("PRACTICE_CODE").index_right.count()
    assert len(practices) == 197 and (per_practice == 1).all()
    # each PCN's practices column lists exactly its member practices (the unallocated one belongs to none)
    listed = pcn.frame.set_index("PCN_CODE").practices.str.split(",").explode()
    members = practices[practices.PCN_CODE != "U"].set_index("PRACTICE_CODE").PCN_CODE
    assert sorted(listed.index) == sorted(members.index.map(members))
    assert int(pcn.frame.PRACTICE_COUNT.sum()) == 196


def test_pcn_layer_states_the_membership_vintage(pcn):
    assert set(pcn.frame.MEMBERSHIP_VINTAGE) == {"2025-10-01"}
    assert len(pcn) == 45 and "U" not in set(pcn.frame.PCN_CODE)


def test_pennine_lsoas_follow_registrations(shared_sources, icb_lsoas, lookup):
    pennine = icb_lsoas.index[icb_lsoas.LAD21CD.isin(PENNINE)]
    assert len(pennine) == 343
    modal = modal_pcn_by_hand(shared_sources, pennine)
    got = lookup.set_index("LSOA11CD").loc[pennine]
    assert (got.RULE == "registrations").all()
    assert (modal.reindex(pennine) == got.PCN_CODE).all()


def test_agreement_figures_match_an_independent_count(shared_sources, icb_lsoas, run_cli, tmp_path):
    s = shared_sources
    out, lk = tmp_path / "pcn.gpkg", tmp_path / "lookup.csv"
    result = run_cli("pcn", "build", "--membership", s / MEMBERSHIP, "--practices", s / LOCATIONS,
                     "--list-sizes", s / LIST_SIZES, "--registrations", s / REGISTRATIONS, "--method", "nearest",
                     "--weight", "gravity", "--out", out, "--lookup", lk)
    assert result.exit_code == 0, result.stderr
    pennine = icb_lsoas.index[icb_lsoas.LAD21CD.isin(PENNINE)]
    modal = modal_pcn_by_hand(s, pennine)
    got = pd.read_csv(lk, dtype=str).set_index("LSOA11CD").PCN_CODE.reindex(pennine)
    same = got == modal.reindex(pennine)
    pop = icb_lsoas.POP2020.reindex(pennine)
    share = pop[same].sum() / pop.sum()
    assert f"population {share:6.1%} ({int(pop[same].sum()):,})" in result.stdout
    figures = get_entry("pcn").extra["agreement"]["nearest-gravity"]
    assert figures["lsoas_same"] == int(same.sum())
    assert figures["population_same"] == int(pop[same].sum())
    assert figures["population_share"] >= 0.90  # the bar, met by the best method without registrations
    assert "membership vintage 2025-10-01" in result.stdout


def test_catchment_method_runs_and_reports_agreement(shared_sources, run_cli, tmp_path):
    s = shared_sources
    out = tmp_path / "catch.gpkg"
    result = run_cli("pcn", "build", "--membership", s / MEMBERSHIP, "--practices", s / LOCATIONS,
                     "--registrations", s / REGISTRATIONS, "--catchments", s / CATCHMENTS, "--method",
                     "catchment", "--weight", "none", "--out", out)
    assert result.exit_code == 0, result.stderr
    frame = gpd.read_file(out)
    assert shapely.coverage_is_valid(frame.geometry.to_numpy())
    assert set(frame.METHOD.str.split("+").explode()) <= {"catchment", "nearest"}
    figures = get_entry("pcn").extra["agreement"]["catchment+nearest"]
    assert f"({figures['lsoas_same']}/343)" in result.stdout


def _membership(path, rows, header="PRACTICE_CODE,PCN_CODE,PCN_NAME,EXTRACT_DATE"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def _locations(path, rows):
    path.write_text("PRAC_CODE,PRAC_LAT,PRAC_LNG\n" + "\n".join(rows) + "\n")
    return path


def test_membership_without_pcn_column_is_one_line(run_cli, tmp_path):
    bad = _membership(tmp_path / "m.csv", ["A1,Blackpool"], header="PRACTICE_CODE,SOMETHING")
    loc = _locations(tmp_path / "l.csv", ["A1,53.8,-3.05"])
    result = run_cli("pcn", "build", "--membership", bad, "--practices", loc, "--out", tmp_path / "o.gpkg")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "no PCN name column" in result.stderr


def test_practice_unknown_to_locations_is_one_line(run_cli, tmp_path):
    members = _membership(tmp_path / "m.csv", ["A1,U1,ONE,01Oct2025", "B2,U2,TWO,01Oct2025"])
    loc = _locations(tmp_path / "l.csv", ["A1,53.8,-3.05"])
    result = run_cli("pcn", "build", "--membership", members, "--practices", loc, "--out", tmp_path / "o.gpkg")
    assert result.exit_code == 2 and "1 practice(s) of the membership have no location (first: B2)" in result.stderr
    assert not (tmp_path / "o.gpkg").exists()


def test_practice_with_blank_coordinates_is_one_line(run_cli, tmp_path):
    members = _membership(tmp_path / "m.csv", ["A1,U1,ONE,01Oct2025", "B2,U2,TWO,01Oct2025"])
    loc = _locations(tmp_path / "l.csv", ["A1,53.8,-3.05", "B2,,"])
    result = run_cli("pcn", "build", "--membership", members, "--practices", loc, "--out", tmp_path / "o.gpkg")
    assert result.exit_code == 2 and "(first: B2)" in result.stderr


def test_practice_in_two_pcns_is_one_line(run_cli, tmp_path):
    members = _membership(tmp_path / "m.csv", ["A1,U1,ONE,01Oct2025", "A1,U2,TWO,01Oct2025"])
    loc = _locations(tmp_path / "l.csv", ["A1,53.8,-3.05"])
    result = run_cli("pcn", "build", "--membership", members, "--practices", loc, "--out", tmp_path / "o.gpkg")
    assert result.exit_code == 2 and "practice A1 is listed in more than one PCN" in result.stderr


def test_small_nearest_build_splits_the_icb_between_two_practices(run_cli, tmp_path):
    # Blackpool and Barrow: every ICB LSOA goes to whichever is nearer; together they tile the whole footprint
    members = _membership(tmp_path / "m.csv", ["A1,U1,ONE,01Oct2025", "B2,U2,TWO,01Oct2025"])
    loc = _locations(tmp_path / "l.csv", ["A1,53.8175,-3.0357", "B2,54.1108,-3.2261"])
    out = tmp_path / "o.gpkg"
    result = run_cli("pcn", "build", "--membership", members, "--practices", loc, "--out", out)
    assert result.exit_code == 0, result.stderr
    frame = gpd.read_file(out)
    assert sorted(frame.PCN_CODE) == ["U1", "U2"] and int(frame.LSOA_COUNT.sum()) == 1058
    assert set(frame.MEMBERSHIP_VINTAGE) == {"2025-10-01"} and set(frame.METHOD) == {"nearest"}
    again = run_cli("pcn", "build", "--membership", members, "--practices", loc, "--out", out)
    assert again.exit_code == 2 and "--force" in again.stderr


def test_validate_passes_pcn_and_flags_the_edec_overlaps(run_cli):
    assert run_cli("validate", "pcn").exit_code == 0
    edec = run_cli("validate", "pcn-edec2020")
    assert edec.exit_code == 1 and "coverage-overlap" in edec.stdout and "coverage-gap" in edec.stdout


# --- England: LSOA 2021 membership within ICBs, held-out constants -------------------------------------------------

ENGLAND_MEMBERSHIP = "pcn-membership-2025-10/gp-reg-pat-prac-map_2025-10_England.csv"
ICB_LOOKUP = "england-nhs-lookups/lookup_lsoa21_sicbl24_icb24_England.csv"
CENSUS = "lsoa21-population-census2021/census21_pop_lsoa21_EW_total.csv"


@pytest.fixture(scope="module")
def england_entry():
    return get_entry("england/pcn")


@pytest.fixture(scope="module")
def england_members(england_entry):
    from placegeo.catalogue import data_dir

    return pd.read_csv(data_dir() / "boundaries" / england_entry.extra["members_file"], dtype=str)


@pytest.fixture(scope="module")
def england_build(shared_sources, england_entry):
    from placegeo.pcn.england import build_england_pcns

    held = england_entry.extra["held_out"]
    return build_england_pcns(shared_sources, beta=held["beta"], floor=held["floor"])


@pytest.fixture(scope="module")
def held_out(shared_sources):
    from placegeo.pcn import tune

    reference = tune.pennine_reference(shared_sources / REGISTRATIONS, shared_sources / MEMBERSHIP)
    practices = tune.lsc_practices(shared_sources / MEMBERSHIP, shared_sources / LOCATIONS, shared_sources / LIST_SIZES)
    return tune.held_out(reference, practices)


def test_england_members_file_is_what_the_builder_makes(england_build, england_members, england_entry):
    assert list(england_members.columns) == ["LSOA21CD", "PCN_CODE", "PCN_NAME"]
    pd.testing.assert_frame_equal(england_members, england_build.members.astype(str))
    assert england_members.LSOA21CD.is_monotonic_increasing
    assert england_entry.features == england_members.PCN_CODE.nunique() == len(england_build.pcns)
    assert england_entry.extra["members_layer"] == "england/lsoa21" and not england_entry.file


def test_every_english_lsoa21_is_in_exactly_one_pcn(shared_sources, england_members):
    lookup = pd.read_csv(shared_sources / ICB_LOOKUP, dtype=str)
    assert len(lookup) == 33755 and not england_members.LSOA21CD.duplicated().any()
    assert set(england_members.LSOA21CD) == set(lookup.lsoa21_code)
    assert england_members.PCN_CODE.notna().all() and "U" not in set(england_members.PCN_CODE)
    # one name per code, the membership's
    names = pd.read_csv(shared_sources / ENGLAND_MEMBERSHIP, dtype=str).drop_duplicates("PCN_CODE")
    assert (england_members.PCN_CODE.map(names.set_index("PCN_CODE").PCN_NAME) == england_members.PCN_NAME).all()


def test_every_membership_pcn_is_listed_or_counted_as_winning_none(shared_sources, england_members, england_entry,
                                                                    england_build):
    members = pd.read_csv(shared_sources / ENGLAND_MEMBERSHIP, dtype=str)
    real = set(members.PCN_CODE) - {"U"}
    listed, none = set(england_members.PCN_CODE), set(england_entry.extra["pcns_without_lsoa"])
    assert listed | none == real and not listed & none
    assert sorted(none) == england_build.empty
    assert f"{len(none)} PCNs of the membership win no LSOA" in england_entry.notes
    assert len(real) == 1297 and (members.PCN_CODE == "U").sum() == len(england_build.practices.unallocated) == 71


def test_every_icb_is_tiled_exactly_by_its_pcns(shared_sources, england_members):
    members = pd.read_csv(shared_sources / ENGLAND_MEMBERSHIP, dtype=str)
    members = members[members.PCN_CODE != "U"]
    counts = members.groupby(["PCN_CODE", "ONS_ICB_CODE"]).size().unstack(fill_value=0)
    majority = counts.idxmax(axis=1)
    clear = counts.max(axis=1) > counts.apply(lambda row: row.nlargest(2).iloc[-1] if (row > 0).sum() > 1 else 0,
                                             axis=1)
    lookup = pd.read_csv(shared_sources / ICB_LOOKUP, dtype=str).set_index("lsoa21_code").icb24_code
    icb_of_lsoa = england_members.LSOA21CD.map(lookup)
    # every PCN's LSOAs lie in one ICB, that of most of its practices (where the majority is clear)
    per_pcn = icb_of_lsoa.groupby(england_members.PCN_CODE.to_numpy()).agg(set)
    assert (per_pcn.map(len) == 1).all()
    icb_of_pcn = per_pcn.map(lambda s: next(iter(s)))
    decided = icb_of_pcn.index[clear.reindex(icb_of_pcn.index).to_numpy()]
    assert (icb_of_pcn[decided] == majority[decided]).all() and len(decided) >= len(icb_of_pcn) - 1
    for icb, lsoas in lookup.groupby(lookup).groups.items():
        pcns = icb_of_pcn.index[icb_of_pcn == icb]
        assert set(england_members.LSOA21CD[england_members.PCN_CODE.isin(pcns)]) == set(lsoas), icb
    assert lookup.nunique() == 42


def test_pcn_population_is_the_census_sum_over_its_lsoas(shared_sources, england_members, england_build):
    census = pd.read_csv(shared_sources / CENSUS, dtype={"lsoa21_code": str})
    joined = england_members.merge(census, left_on="LSOA21CD", right_on="lsoa21_code", how="left", validate="1:1")
    assert joined.usual_residents.notna().all()
    by_hand = joined.groupby("PCN_CODE").usual_residents.sum().round().astype("int64")
    reported = england_build.pcns.set_index("PCN_CODE").POP2021
    assert (by_hand.reindex(reported.index) == reported).all() and len(by_hand) == len(reported)
    england = census[census.lsoa21_code.str.startswith("E")].usual_residents.sum()
    assert int(reported.sum()) == int(round(england))


def _gravity_by_hand(shared_sources, lsoas: gpd.GeoDataFrame, beta: float, floor: float) -> pd.Series:
    """LSOA -> PCN with the strongest sum of list size / max(distance, floor) ** beta: a pandas cross join."""
    members = pd.read_csv(shared_sources / MEMBERSHIP, dtype=str)
    members = members[members.PCN_CODE != "U"][["PRACTICE_CODE", "PCN_CODE"]]
    where = pd.read_csv(shared_sources / LOCATIONS, dtype={"PRAC_CODE": str})
    sizes = pd.read_csv(shared_sources / LIST_SIZES, dtype={"CODE": str})
    sizes = sizes[(sizes.SEX == "ALL") & (sizes.AGE == "ALL")].groupby("CODE").NUMBER_OF_PATIENTS.sum()
    where = where[["PRAC_CODE", "PRAC_LAT", "PRAC_LNG"]]
    practices = members.merge(where, left_on="PRACTICE_CODE", right_on="PRAC_CODE", how="inner", validate="1:1")
    assert len(practices) == len(members)
    xy = gpd.GeoSeries(gpd.points_from_xy(practices.PRAC_LNG, practices.PRAC_LAT), crs=4326).to_crs(27700)
    practices = practices.assign(PX=xy.x.to_numpy(), PY=xy.y.to_numpy(),
                                 SIZE=practices.PRACTICE_CODE.map(sizes).astype(float))
    practices["SIZE"] = practices.SIZE.fillna(practices.SIZE.median())
    centroids = lsoas.geometry.centroid
    points = pd.DataFrame({"LSOA": lsoas.LSOA11CD.to_numpy(), "LX": centroids.x.to_numpy(),
                           "LY": centroids.y.to_numpy()})
    pairs = points.merge(practices[["PCN_CODE", "PX", "PY", "SIZE"]], how="cross")
    distance = ((pairs.LX - pairs.PX) ** 2 + (pairs.LY - pairs.PY) ** 2) ** 0.5
    pairs["PULL"] = pairs.SIZE / distance.clip(lower=floor) ** beta
    pull = pairs.groupby(["LSOA", "PCN_CODE"]).PULL.sum().reset_index()
    pull = pull.sort_values(["LSOA", "PULL", "PCN_CODE"], ascending=[True, False, True])
    return pull.drop_duplicates("LSOA").set_index("LSOA").PCN_CODE


def test_held_out_agreement_matches_a_pandas_count(shared_sources, held_out, england_entry):
    from placegeo.pcn.tune import HALVES

    lsoas = load_layer("lsoa11").frame
    catalogue = england_entry.extra["held_out"]
    for fold, stored in zip(held_out.folds, catalogue["folds"], strict=True):
        test = lsoas[lsoas.LAD21CD.isin(HALVES[fold.test])]
        modal = modal_pcn_by_hand(shared_sources, set(test.LSOA11CD))
        got = _gravity_by_hand(shared_sources, test, fold.beta, fold.floor)
        pop = test.set_index("LSOA11CD").POP2020
        same = got.reindex(pop.index) == modal.reindex(pop.index)
        assert fold.test_population_same == int(pop[same].sum()) == stored["test_population_same"]
        assert fold.test_population == int(pop.sum()) == stored["test_population"]
        assert fold.test_lsoas_same == int(same.sum())
    pooled = sum(f.test_population_same for f in held_out.folds) / sum(f.test_population for f in held_out.folds)
    assert held_out.share == pytest.approx(pooled) and catalogue["share"] == round(pooled, 4)
    for entry in (england_entry, get_entry("pcn")):  # every modelled PCN layer quotes the held-out figure
        assert f"they place {pooled:.1%} of people" in entry.caveat
        assert entry.exactness == "modelled"
    assert "HELD-OUT (placegeo.pcn.tune" in get_entry("pcn").notes
    docs = (Path(__file__).resolve().parent.parent / "docs" / "pcn.md").read_text(encoding="utf-8")
    assert f"**{pooled:.1%}**".replace("%", " %") in docs
