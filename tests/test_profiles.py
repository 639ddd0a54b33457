"""Who lives there: each place's profile, and the Core20 residents a split moves, against pandas sums over the
SOURCE CSVs (../shared/data/sources): exact for places built of whole LSOAs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import placegeo
from placegeo.profiles import figures, national_rank, rank_band

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "data" / "sources"
if not SOURCES.exists():  # a worktree sits one level deeper than /work/main
    SOURCES = ROOT.parent.parent / "shared" / "data" / "sources"
OPTIONS = ROOT / "data" / "options"
FOUR = OPTIONS / "lsc-four-places-2022.yaml"
FIVE = OPTIONS / "lsc-five-partnerships-2019.yaml"
CHESHIRE_MERSEYSIDE = ROOT / "docs" / "examples" / "cheshire-merseyside" / "councils-2024.yaml"

needs_sources = pytest.mark.skipif(not (SOURCES / "imd-england").exists(),
                                   reason="source CSVs (../shared/data/sources) not present")

FOUR_PLACES = {  # the four council places of July 2022, by their LAD 2021 names (data/options)
    "Lancashire": ["Burnley", "Hyndburn", "Pendle", "Ribble Valley", "Rossendale", "Preston", "Chorley",
                   "South Ribble", "West Lancashire", "Lancaster", "Fylde", "Wyre"],
    "Blackpool": ["Blackpool"],
    "Blackburn with Darwen": ["Blackburn with Darwen"],
    "South Cumbria": ["Barrow-in-Furness", "South Lakeland"],
}
NINE_COUNCILS = {"Cheshire East": "E06000049", "Cheshire West and Chester": "E06000050", "Halton": "E06000006",
                 "Warrington": "E06000007", "Knowsley": "E08000011", "Liverpool": "E08000012",
                 "St Helens": "E08000013", "Sefton": "E08000014", "Wirral": "E08000015"}


def lsoa11_sources() -> pd.DataFrame:
    """L&SC LSOA 2011: mid-2020 residents, residents 65+, IMD 2019 decile and rank, LAD 2021 and CCG 2021."""
    pop = pd.read_csv(SOURCES / "lsoa-population-mye2020" / "population20_lsoa11_lsc_syoa.csv")
    old = [str(a) for a in range(65, 90)] + ["90+"]
    frame = pd.DataFrame({"lsoa": pop["lsoa11_code"], "people": pop["total_population"],
                          "aged65": pop[old].sum(axis=1)})
    imd = pd.read_csv(SOURCES / "imd-england" / "imd2019_lsoa11_England.csv")
    lad = pd.read_csv(SOURCES / "lsoa-lad-lookups" / "lookup_lsoa11_ltla21_EW.csv")
    ccg = pd.read_csv(SOURCES / "lsoa-ccg-lookup-lsc" / "lookup_lsoa11_ccg21_stp21_ltla21_lsc.csv")
    frame = frame.merge(imd.rename(columns={"lsoa11_code": "lsoa"})[["lsoa", "IMD_decile", "IMD_rank"]], on="lsoa")
    frame = frame.merge(lad.rename(columns={"lsoa11_code": "lsoa"})[["lsoa", "ltla21_name"]], on="lsoa")
    frame = frame.merge(ccg.rename(columns={"lsoa11_code": "lsoa"})[["lsoa", "ccg21_code"]], on="lsoa", how="left")
    frame["core20"] = frame["people"].where(frame["IMD_decile"] <= 2, 0)
    return frame


def lsoa21_sources() -> pd.DataFrame:
    """England LSOA 2021: Census 2021 residents and 65+, IMD 2025 decile, rank and score, LAD 2024."""
    ages = pd.read_csv(SOURCES / "lsoa21-population-census2021" / "census21_pop_lsoa21_EW_agegroups.csv")
    imd = pd.read_csv(SOURCES / "imd-england" / "imd2025_lsoa21_England.csv")
    lad = pd.read_csv(SOURCES / "la-hierarchy-lookups" / "lookup_lsoa21_ward24_ltla24_EW.csv")
    frame = ages.rename(columns={"lsoa21_code": "lsoa", "usual_residents": "people", "age_65_plus": "aged65"})
    frame = frame.merge(imd.rename(columns={"lsoa21_code": "lsoa"}), on="lsoa")
    frame = frame.merge(lad.rename(columns={"lsoa21_code": "lsoa"})[["lsoa", "ltla24_code"]].drop_duplicates(),
                        on="lsoa")
    frame["core20"] = frame["people"].where(frame["IMD_decile"] <= 2, 0)
    return frame


def _profiles(option: Path) -> dict[str, object]:
    comparison = placegeo.compare([option], against=["lad21"] if "lsc" in option.name else ["england/lad24"],
                                  boundary=False)
    return {p.name: p.profile for p in comparison.options[0].places}


@needs_sources
def test_four_lsc_places_core20_and_65_shares_equal_pandas_sums_over_the_source_csvs():
    src = lsoa11_sources()
    profiles = _profiles(FOUR)
    assert set(profiles) == set(FOUR_PLACES)
    for place, districts in FOUR_PLACES.items():
        rows = src[src["ltla21_name"].isin(districts)]
        prof = profiles[place]
        people = rows["people"].sum()
        assert prof.residents == people
        assert prof.core20 == rows["core20"].sum()
        assert prof.core20_share == pytest.approx(rows["core20"].sum() / people, rel=1e-12)
        assert prof.aged65_share == pytest.approx(rows["aged65"].sum() / people, rel=1e-12)
        mean_rank = (rows["people"] * rows["IMD_rank"]).sum() / people
        assert prof.imd_rank == pytest.approx(mean_rank, rel=1e-12)
        assert prof.imd_band == int(np.ceil(mean_rank * 10 / 32_844))
        assert prof.imd_score is None  # the IMD 2019 file has no scores
        assert "2019" in prof.imd_source and "mid-2020" in prof.population_source
    # Blackpool and Lancashire, as the README quotes them
    assert f"Blackpool's Core20 share is {profiles['Blackpool'].core20_share * 100:.1f} %" in README
    assert f"against {profiles['Lancashire'].core20_share * 100:.1f} % for Lancashire" in README


@needs_sources
def test_nine_cheshire_and_merseyside_councils_equal_pandas_sums_over_the_source_csvs():
    src = lsoa21_sources()
    profiles = _profiles(CHESHIRE_MERSEYSIDE)
    assert set(profiles) == set(NINE_COUNCILS)
    national = np.sort(src["IMD_score"].to_numpy())[::-1]
    for place, code in NINE_COUNCILS.items():
        rows = src[src["ltla24_code"] == code]
        prof = profiles[place]
        people = rows["people"].sum()
        assert prof.residents == people
        assert prof.core20_share == pytest.approx(rows["core20"].sum() / people, rel=1e-12)
        assert prof.aged65_share == pytest.approx(rows["aged65"].sum() / people, rel=1e-12)
        score = (rows["people"] * rows["IMD_score"]).sum() / people
        assert prof.imd_score == pytest.approx(score, rel=1e-12)
        more_deprived = int((national > score).sum())  # LSOAs with a higher (worse) score
        assert prof.imd_band == int(np.ceil((more_deprived + 1) * 10 / 33_755))
        assert "2025" in prof.imd_source and "Census 2021" in prof.population_source
    assert profiles["Knowsley"].core20_share > 0.5 > profiles["Cheshire East"].core20_share


def _core20_moving_by_pandas(src: pd.DataFrame, unit_col: str, tol: float) -> float:
    """Core20 residents of split units outside the unit's best-fit place (by people), over the LSOAs in a place."""
    inside = src[src["place"].notna()]
    cells = inside.groupby([unit_col, "place"])[["people", "core20"]].sum()
    moving = 0.0
    for _, group in cells.groupby(level=0):
        best = group["people"].idxmax()
        fit = group["people"].max() / group["people"].sum()
        if fit < 1 - tol:
            moving += float(group["core20"].drop(best).sum())
    return moving


@needs_sources
def test_core20_residents_who_move_under_each_bundled_lsc_option_equal_pandas_sums():
    src = lsoa11_sources()
    comparison = placegeo.compare([FIVE, FOUR], against=["lad21", "ccg21"], boundary=False)
    five_places = {"Central Lancashire": ["E38000227", "E38000034"], "Fylde Coast": ["E38000015", "E38000226"],
                   "Morecambe Bay": ["E38000228"], "Pennine Lancashire": ["E38000050", "E38000014"],
                   "West Lancashire": ["E38000200"]}
    by_ccg = {c: p for p, codes in five_places.items() for c in codes}
    by_lad = {d: p for p, districts in FOUR_PLACES.items() for d in districts}
    placed = {FIVE.name: src.assign(place=src["ccg21_code"].map(by_ccg)),
              FOUR.name: src.assign(place=src["ltla21_name"].map(by_lad))}
    for opt, path in zip(comparison.options, (FIVE, FOUR), strict=True):
        frame = placed[path.name]
        for layer, column in (("lad21", "ltla21_name"), ("ccg21", "ccg21_code")):
            expected = _core20_moving_by_pandas(frame, column, comparison.settings.tol)
            result = opt.results[layer]
            assert result.core20_moving == pytest.approx(expected, abs=1e-9), (opt.name, layer)
            # each split unit's parts add up to its people and Core20 residents in the footprint
            for unit in result.split_units:
                assert sum(unit.people.values()) == pytest.approx(unit.inside["population"])
                rows = frame[(frame[column] == unit.code) | (frame[column] == unit.name)]
                rows = rows[rows["place"].notna()]
                assert sum(unit.core20.values()) == pytest.approx(rows["core20"].sum())

    # the README's table, every figure as placegeo computes it
    readme = placegeo.compare([FIVE, FOUR], against=["lad21", "ctyua21", "ccg21"], boundary=False)
    for opt in readme.options:
        row = " | ".join([opt.name] + [f"{round(opt.results[lid].core20_moving):,}"
                                       for lid in ("lad21", "ctyua21", "ccg21")])
        assert f"| {row} |" in README, row
    moved = readme.options[1].results["ccg21"].core20_moving
    assert f"the four places move\n{moved:,.0f} Core20 residents of Morecambe Bay CCG" in README


def test_the_rank_band_of_a_score_and_of_a_rank():
    scores = np.array([50.0, 40.0, 30.0, 20.0, 10.0, 9.0, 8.0, 7.0, 6.0, 5.0])  # national, descending
    assert national_rank(45.0, scores) == 2.0       # one LSOA (50) is more deprived
    assert national_rank(50.0, scores) == 1.0
    assert national_rank(1.0, scores) == 11.0
    assert rank_band(1, 10) == 1 and rank_band(10, 10) == 10 and rank_band(3284.4, 32_844) == 1
    assert rank_band(3284.5, 32_844) == 2


def test_a_place_cutting_an_lsoa_is_areal_weighted_like_population(tmp_path):
    """A drawn option halving LSOAs: its residents equal the population engine's, and Core20 scales the same."""
    import geopandas as gpd
    from shapely.geometry import box

    from placegeo.layers import load_layer
    from placegeo.population import population_of

    lsoa = load_layer("lsoa11")
    blackpool = lsoa.frame[lsoa.frame["LAD21NM"] == "Blackpool"]
    minx, miny, maxx, maxy = blackpool.total_bounds
    mid = (miny + maxy) / 2
    halves = [box(minx, miny, maxx, mid), box(minx, mid, maxx, maxy)]
    drawn = tmp_path / "halves.gpkg"
    gpd.GeoDataFrame({"place": ["South", "North"]}, geometry=halves, crs=27700).to_file(drawn)
    comparison = placegeo.compare([drawn], against=["lad21"], population="lsoa11", boundary=False)
    places = {p.name: p for p in comparison.options[0].places}
    people = population_of(np.asarray(halves, dtype=object), lsoa)
    for name, expected in zip(("South", "North"), people, strict=True):
        assert places[name].profile.residents == pytest.approx(expected, rel=1e-12)
    # Core20 by the same areal weighting, written out by hand over the LSOAs each half meets
    geoms = lsoa.frame.geometry.values
    decile = lsoa.frame["IMD19_DECILE"].to_numpy()
    pop = lsoa.frame["POP2020"].to_numpy(dtype=float)
    for name, half in zip(("South", "North"), halves, strict=True):
        fraction = np.asarray([g.intersection(half).area / g.area for g in geoms])
        core20 = float((pop * (decile <= 2) * fraction).sum())
        assert places[name].profile.core20 == pytest.approx(core20, rel=1e-9)


def test_figures_without_imd_or_ages_are_none():
    from placegeo.profiles import AtomProfile

    atoms = AtomProfile("x", {"residents": np.array([10.0])}, None, "test")
    out = figures({"residents": 10.0}, atoms)
    assert out["residents"] == 10.0 and out["core20_share"] is None and out["imd_band"] is None
    assert out["aged65_share"] is None and out["imd_source"] is None


README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_placegeo_profile_cli_prints_every_unit_with_the_api_figures(run_cli, tmp_path):
    out = tmp_path / "profile.csv"
    result = run_cli("profile", "lad21", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(out)
    expected = placegeo.profile("lad21")
    assert len(table) == len(expected.units) == 21
    by_code = {u.code: u.profile for u in expected.units}
    for row in table.itertuples():
        assert row.core20_share == pytest.approx(by_code[row.code].core20_share, rel=1e-12)
        assert row.residents == by_code[row.code].residents
    assert set(table["imd_source"]) == {"English Indices of Deprivation 2019 (MHCLG), LSOA 2011 (ranks and deciles; "
                                        "no scores)"}
    text = run_cli("profile", "data/options/lsc-four-places-2022.yaml")
    assert text.exit_code == 0 and "Blackpool" in text.stdout and "56.9 %" in text.stdout


def test_profile_of_an_lsoa_layer_is_its_own_rows():
    table = placegeo.profile("lsoa11")
    frame = placegeo.load_layer("lsoa11").frame
    assert [u.code for u in table.units] == list(frame["LSOA11CD"])
    core20 = frame["POP2020"].where(frame["IMD19_DECILE"] <= 2, 0)
    assert [u.profile.core20 for u in table.units] == core20.astype(float).tolist()


@needs_sources
def test_registered_to_resident_ratio_of_the_four_lsc_places_equals_pandas_over_the_source_csvs():
    """Patients of the practices located in each place (practice postcode LSOA -> district -> place, ONSPD
    via the geocoded lookup), May 2022 list sizes, over the place's mid-2020 residents."""
    geo = pd.read_csv(SOURCES / "practice-pcn-geocoded-2024" / "practice_pcn_lookup_geocoded_lsc.csv")
    lists = pd.read_csv(SOURCES / "gp-list-size-2022-05" / "gp-reg-pat-prac-all_2022-05_lsc.csv")
    bundled = set(placegeo.load_layer("practices").frame["PRACTICE_CODE"])  # practices open in October 2025
    lad = pd.read_csv(SOURCES / "lsoa-lad-lookups" / "lookup_lsoa11_ltla21_EW.csv")
    by_lad = {d: p for p, districts in FOUR_PLACES.items() for d in districts}
    frame = geo.merge(lists, left_on="PRAC_CODE", right_on="CODE").merge(
        lad, left_on="PRAC_LSOA11", right_on="lsoa11_code")
    frame = frame[frame["PRAC_CODE"].isin(bundled)]
    registered = frame.assign(place=frame["ltla21_name"].map(by_lad)).groupby("place")["NUMBER_OF_PATIENTS"].sum()
    residents = lsoa11_sources().assign(place=lambda f: f["ltla21_name"].map(by_lad)).groupby("place")["people"].sum()
    profiles = _profiles(FOUR)
    for place in FOUR_PLACES:
        prof = profiles[place]
        assert prof.registered == registered[place], place
        assert prof.registered_ratio == pytest.approx(registered[place] / residents[place], rel=1e-12)
        assert "May 2022" in prof.registered_source


@needs_sources
def test_shaded_imd_map_classes_are_the_source_deciles_with_legend_and_attribution(tmp_path):
    from placegeo.api import map_inputs
    from placegeo.render.maps import draw_map, save_map

    inputs = map_inputs([FOUR], shade="imd")
    shade = inputs.shade
    imd = pd.read_csv(SOURCES / "imd-england" / "imd2019_lsoa11_England.csv").set_index("lsoa11_code")["IMD_decile"]
    lsoa = placegeo.load_layer("lsoa11").frame
    assert [10 - int(c) for c in shade.classes] == imd.loc[shade.codes].tolist()  # decile 1 = class 9, darkest
    assert shade.labels[9] == "1 (most deprived 10 %)" and shade.labels[0] == "10 (least deprived 10 %)"
    assert "1 = most deprived" in shade.title
    assert any("English Indices of Deprivation 2019" in (text or "") for text, _ in shade.credits)
    in_places = lsoa["LAD21NM"].isin([d for ds in FOUR_PLACES.values() for d in ds]).sum()
    assert shade.inside.sum() == in_places == 1049  # the 16 districts' LSOAs full; the neighbours faint
    svg = save_map(draw_map(inputs), tmp_path / "imd.svg").read_text(encoding="utf-8")
    for text in ("1 (most deprived 10 %)", "10 (least deprived 10 %)", "English Indices of Deprivation 2019",
                 "Place boundary", 'id="shade"'):
        assert text in svg, text


@needs_sources
def test_shaded_age65_classes_follow_the_source_shares():
    from placegeo.api import map_inputs

    shade = map_inputs([CHESHIRE_MERSEYSIDE], shade="age65").shade
    ages = pd.read_csv(SOURCES / "lsoa21-population-census2021" / "census21_pop_lsoa21_EW_agegroups.csv")
    share = (ages["age_65_plus"] / ages["usual_residents"]).to_numpy()
    classes = np.digitize(share, [0.15, 0.20, 0.25, 0.30])
    assert sorted(np.bincount(shade.classes, minlength=5)) and len(shade.labels) == 5
    by_code = dict(zip(ages["lsoa21_code"], classes, strict=True))
    assert len(shade.codes) == len(shade.classes) > 1000
    assert [by_code[code] for code in shade.codes] == [int(c) for c in shade.classes]


def test_unknown_shade_is_one_line_exit_2(run_cli, tmp_path):
    result = run_cli("map", str(FOUR), "--shade", "wealth", "--out", str(tmp_path / "x.png"))
    assert result.exit_code == 2 and result.stderr.startswith("placegeo: error: unknown --shade 'wealth'")


@needs_sources
def test_registered_patients_and_ratio_of_the_nine_cheshire_and_merseyside_councils_equal_geopandas_over_sources():
    """Patients of the practices of the Oct-2025 membership located (2024 geocode, WGS84 -> EPSG:27700) by
    point-in-polygon in each council's LSOAs 2021 (source BGC polygons, LAD 2024 lookup), May 2022 list sizes
    (a practice without one counts 0), over the council's Census 2021 residents. The practices' own PRAC_LSOA21
    (ONSPD) puts every one of them in the same council (0 disagreements)."""
    import geopandas as gpd

    members = pd.read_csv(SOURCES / "pcn-membership-2025-10" / "gp-reg-pat-prac-map_2025-10_England.csv")
    geo = pd.read_csv(SOURCES / "practice-pcn-geocoded-2024" / "practice_pcn_lookup_geocoded_England.csv")
    lists = pd.read_csv(SOURCES / "gp-list-size-2022-05" / "gp-reg-pat-prac-all_2022-05_England.csv")
    lad = pd.read_csv(SOURCES / "la-hierarchy-lookups" / "lookup_lsoa21_ward24_ltla24_EW.csv")
    lad = lad[["lsoa21_code", "ltla24_code"]].drop_duplicates()
    council_of = {code: name for name, code in NINE_COUNCILS.items()}
    practices = members[["PRACTICE_CODE"]].merge(geo, left_on="PRACTICE_CODE", right_on="PRAC_CODE")
    practices = practices.dropna(subset=["PRAC_LAT", "PRAC_LNG"]).merge(
        lists[["CODE", "NUMBER_OF_PATIENTS"]], left_on="PRACTICE_CODE", right_on="CODE", how="left")
    points = gpd.GeoDataFrame(practices, geometry=gpd.points_from_xy(practices["PRAC_LNG"], practices["PRAC_LAT"]),
                              crs="EPSG:4326").to_crs("EPSG:27700")
    ours = lad[lad["ltla24_code"].isin(council_of)]
    codes = ", ".join(f"'{c}'" for c in ours["lsoa21_code"])
    lsoas = gpd.read_file(SOURCES / "lsoa21-bgc-england" / "lsoa21_bgc_england.gpkg", engine="pyogrio",
                          where=f"LSOA21CD IN ({codes})", columns=["LSOA21CD"]).to_crs("EPSG:27700")
    lsoas = lsoas.merge(ours, left_on="LSOA21CD", right_on="lsoa21_code")
    assert len(lsoas) == len(ours)
    located = gpd.sjoin(points, lsoas[["ltla24_code", "geometry"]], predicate="within", how="inner")
    located = located.assign(place=located["ltla24_code"].map(council_of))
    registered = located.groupby("place")["NUMBER_OF_PATIENTS"].sum()
    by_postcode = practices.merge(lad, left_on="PRAC_LSOA21", right_on="lsoa21_code")
    by_postcode = by_postcode.assign(place=by_postcode["ltla24_code"].map(council_of)).dropna(subset=["place"])
    both = located[["PRACTICE_CODE", "place"]].merge(by_postcode[["PRACTICE_CODE", "place"]], on="PRACTICE_CODE",
                                                     how="outer", suffixes=("_polygon", "_postcode"))
    disagree = both[both["place_polygon"] != both["place_postcode"]]
    assert disagree.empty, disagree  # measured: no practice postcode's LSOA lies in another council here
    residents = lsoa21_sources().groupby("ltla24_code")["people"].sum()
    profiles = _profiles(CHESHIRE_MERSEYSIDE)
    for place, code in NINE_COUNCILS.items():
        prof = profiles[place]
        assert prof.registered == registered[place], place
        assert prof.registered_ratio == pytest.approx(registered[place] / residents[code], rel=1e-12)
        assert "May 2022" in prof.registered_source and "england/practices" in prof.registered_source
    assert registered.sum() > 2_000_000  # ~2.7 million registered in the ICB in 2022
