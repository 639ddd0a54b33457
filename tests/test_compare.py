"""`compare` on the bundled L&SC options, checked against sums over whole LSOAs done with pandas alone.

The ground truth reads the bundled lsoa11 layer's own columns (LAD21CD, CCG21CD, POP2020): every
L&SC district and CCG is a union of whole 2011 LSOAs, so overlaps by population are plain group sums.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from placegeo.layers import load_layer
from tests.conftest import OPTIONS

FIVE = OPTIONS / "lsc-five-partnerships-2019.yaml"
FOUR = OPTIONS / "lsc-four-places-2022.yaml"

# the partnerships as unions of CCGs (option file), and the four places as unions of districts
PARTNERSHIP_OF_CCG = {
    "E38000227": "Central Lancashire", "E38000034": "Central Lancashire",
    "E38000015": "Fylde Coast", "E38000226": "Fylde Coast",
    "E38000228": "Morecambe Bay",
    "E38000050": "Pennine Lancashire", "E38000014": "Pennine Lancashire",
    "E38000200": "West Lancashire",
}
LANCASHIRE = ["E07000117", "E07000118", "E07000119", "E07000120", "E07000121", "E07000122", "E07000123",
              "E07000124", "E07000125", "E07000126", "E07000127", "E07000128"]
PLACE_OF_LAD = {**{c: "Lancashire" for c in LANCASHIRE}, "E06000009": "Blackpool",
                "E06000008": "Blackburn with Darwen", "E07000027": "South Cumbria", "E07000031": "South Cumbria"}


@pytest.fixture(scope="module")
def lsoas():
    """The bundled lsoa11 attribute table plus each LSOA's area (m², EPSG:27700), read without the engine."""
    import geopandas as gpd

    from placegeo.catalogue import get_entry

    entry = get_entry("lsoa11")
    frame = gpd.read_file(entry.path, layer=entry.layer).to_crs(27700)
    frame["area"] = frame.geometry.area
    return frame.drop(columns="geometry")


@pytest.fixture(scope="module")
def comparison():
    from placegeo.comparison import compare

    return compare([FIVE, FOUR], ["lad21", "ccg21", "ctyua21"])


def _shares(frame, unit_col, place_col, weight):
    inside = frame.dropna(subset=[place_col])
    table = inside.groupby([unit_col, place_col])[weight].sum().unstack(fill_value=0)
    return table.div(table.sum(axis=1), axis=0)


def test_five_partnerships_split_exactly_preston_and_ribble_valley(comparison, lsoas):
    lsoas = lsoas.assign(partnership=lsoas["CCG21CD"].map(PARTNERSHIP_OF_CCG))
    truth = _shares(lsoas, "LAD21NM", "partnership", "POP2020")
    split_truth = {lad: row[row >= 0.01].to_dict() for lad, row in truth.iterrows() if row.max() < 0.99}
    result = comparison.option("Five place partnerships (2019-2022)").results["lad21"]
    got = {u.name: u.parts for u in result.split_units}
    assert set(got) == set(split_truth) == {"Preston", "Ribble Valley"}
    for lad, parts in split_truth.items():
        assert got[lad].keys() == parts.keys()
        for place, share in parts.items():
            assert got[lad][place] == pytest.approx(share, rel=1e-12)
    ribble = next(u for u in result.split_units if u.name == "Ribble Valley")
    moved = lsoas[(lsoas.LAD21NM == "Ribble Valley") & (lsoas.partnership != "Pennine Lancashire")].POP2020.sum()
    assert ribble.best_fit == "Pennine Lancashire"
    assert ribble.moving["population"] == pytest.approx(moved)


def test_coterminosity_index_is_the_population_in_each_districts_best_fit_place(comparison, lsoas):
    lsoas = lsoas.assign(partnership=lsoas["CCG21CD"].map(PARTNERSHIP_OF_CCG)).dropna(subset=["partnership"])
    for weight, column in (("population", "POP2020"), ("area", "area")):
        table = lsoas.groupby(["LAD21CD", "partnership"])[column].sum().unstack(fill_value=0)
        expected = table.max(axis=1).sum() / table.to_numpy().sum()
        got = comparison.option("Five place partnerships (2019-2022)").results["lad21"].coterminosity[weight]
        assert got == pytest.approx(expected, rel=1e-12)


def test_four_places_split_morecambe_bay_ccg_and_part_lies_outside(comparison, lsoas):
    lsoas = lsoas.assign(place=lsoas["LAD21CD"].map(PLACE_OF_LAD))
    result = comparison.option("Four council places (July 2022)").results["ccg21"]
    assert [u.name for u in result.split_units] == ["NHS Morecambe Bay CCG"]
    bay = result.split_units[0]
    ccg = lsoas[lsoas.CCG21CD == "E38000228"]
    for weight, column in (("population", "POP2020"), ("area", "area")):
        inside = ccg.dropna(subset=["place"])
        by_place = inside.groupby("place")[column].sum() / inside[column].sum()
        assert bay.shares[weight] == pytest.approx(by_place.to_dict(), rel=1e-12)
        outside = ccg[ccg.place.isna()][column].sum() / ccg[column].sum()
        assert bay.outside[weight] == pytest.approx(outside, rel=1e-12)
    # the part outside all four places lies in Copeland and Craven
    assert set(ccg[ccg.place.isna()].LAD21NM) == {"Copeland", "Craven"}
    assert 0.04 < bay.outside["population"] < 0.05


def test_place_sizes_are_sums_over_their_lsoas(comparison, lsoas):
    places = {p.name: p for p in comparison.option("Four council places (July 2022)").places}
    lsoas = lsoas.assign(place=lsoas["LAD21CD"].map(PLACE_OF_LAD))
    for name, group in lsoas.groupby("place"):
        assert places[name].population == pytest.approx(group.POP2020.sum(), rel=1e-12)
        assert places[name].area_km2 == pytest.approx(group.area.sum() / 1e6, rel=1e-9)
    assert places["Lancashire"].band == "above"
    assert places["Blackpool"].band == "within"
    assert [s.name for s in places["Lancashire"].subunits] == [
        "East Lancashire", "Central and West Lancashire", "North and Coast Lancashire"]


def test_partnerships_are_coterminous_with_ccgs_and_places_with_districts(comparison):
    five = comparison.option("Five place partnerships (2019-2022)").results["ccg21"]
    four = comparison.option("Four council places (July 2022)").results["lad21"]
    for res in (five, four):
        assert res.method == "membership"
        assert res.coterminosity == pytest.approx({"area": 1.0, "population": 1.0}, rel=1e-12)
        assert not res.split_units
        assert res.coterminous_places == len(res.places)
        assert res.boundary_match == pytest.approx(1.0)


def test_geometry_path_agrees_with_membership_path(tmp_path):
    """The same reference layer given as a file (so no membership) gives the same figures."""
    from placegeo.catalogue import get_entry
    from placegeo.comparison import compare

    entry = get_entry("ccg21")
    by_file = compare([FOUR], [str(entry.path)], boundary=False)
    by_id = compare([FOUR], ["ccg21"], boundary=False)
    a = by_file.options[0].results[entry.path.stem]
    b = by_id.options[0].results["ccg21"]
    assert a.method == "geometry" and b.method == "membership"
    assert [u.code for u in a.split_units] == [u.code for u in b.split_units]
    for w in ("area", "population"):
        assert a.coterminosity[w] == pytest.approx(b.coterminosity[w], rel=1e-6)
        assert a.split_units[0].shares[w] == pytest.approx(b.split_units[0].shares[w], rel=1e-6)


def test_json_output_matches_the_documented_schema(run_cli):
    import jsonschema

    from tests.conftest import ROOT

    text = (ROOT / "docs" / "json-schema.md").read_text(encoding="utf-8")
    schema = json.loads(text.split("```json", 1)[1].split("```", 1)[0])
    result = run_cli("compare", FIVE, FOUR, "--against", "lad21", "ccg21", "ctyua21", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, schema)
    option = document["options"][1]
    assert option["layers"]["ccg21"]["split_units"][0]["code"] == "E38000228"
    assert set(option["layers"]) == {"lad21", "ccg21", "ctyua21"}


def test_terminal_scorecard_says_who_moves(run_cli):
    result = run_cli("compare", FIVE, FOUR, "--against", "lad21", "ccg21", "--wide")
    assert result.exit_code == 0, result.stderr
    assert "Ribble Valley: 81 % Pennine Lancashire / 19 % Central Lancashire, 11,900 people move" in result.stdout
    # shares of the whole CCG, the part outside the footprint (Craven and Lancaster's Cumbrian edge) said
    assert "NHS Morecambe Bay CCG: 51 % South Cumbria / 44 % Lancashire / 4 % outside" in result.stdout


def test_out_writes_every_file_and_refuses_to_overwrite(run_cli, tmp_path):
    out = tmp_path / "cmp"
    result = run_cli("compare", FIVE, FOUR, "--against", "lad21", "--out", out, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["scorecard.csv", "splits.csv", "places.csv", "overlap.csv", "comparison.json",
                            "places-Five-place-partnerships-2019-2022.gpkg",
                            "places-Four-council-places-July-2022.gpkg"])
    assert result.stdout.splitlines()[0].startswith("option,places,population,area_km2,lad21:coterminosity")
    again = run_cli("compare", FIVE, "--against", "lad21", "--out", out)
    assert again.exit_code == 2 and "--force" in again.stderr
    forced = run_cli("compare", FIVE, "--against", "lad21", "--out", out, "--force", "--format", "csv")
    assert forced.exit_code == 0, forced.stderr


def test_bad_arguments_are_one_line_errors(run_cli):
    assert run_cli("compare", FIVE, "--against", "nosuchlayer").exit_code == 2
    assert run_cli("compare", FIVE, "--weight", "volume").exit_code == 2
    result = run_cli("compare", FIVE, "--tol", "2")
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------------------------------
# England options, population defaults, slivers, and layers that cannot be references

HNY = OPTIONS.parent.parent / "docs" / "examples" / "humber-north-yorkshire"
HNY_COUNCILS = {"E06000065", "E06000014", "E06000011", "E06000010", "E06000013", "E06000012"}


@pytest.fixture(scope="module")
def hny_slivers():
    from placegeo.comparison import compare

    # the separately generalised districts: their edges miss the LSOA-built footprint's by tens of metres
    return compare([HNY / "councils-2024.yaml"], ["published/lad21"], weight="area", boundary=False)


def test_england_option_defaults_to_england_population(recwarn):
    """1,750,900 people (Census 2021, LSOAs of the six councils), not the 57,300 lsoa11 reached."""
    import pandas as pd

    from placegeo.catalogue import get_entry
    from placegeo.comparison import compare

    entry = get_entry("england/lsoa21")
    table = pd.read_parquet(entry.path, columns=["LAD24CD", "POP2021"])
    truth = float(table.loc[table["LAD24CD"].isin(HNY_COUNCILS), "POP2021"].sum())
    cmp = compare([HNY / "councils-2024.yaml"], ["england/ctyua24"], weight="population", boundary=False)
    assert cmp.settings.population_layer == "england/lsoa21"
    assert cmp.options[0].footprint["population"] == pytest.approx(truth, rel=1e-12)
    assert not [w for w in recwarn if "population layer" in str(w.message)]


def test_population_layer_covering_part_of_the_footprint_warns_with_its_share(run_cli):
    import shapely

    from placegeo.catalogue import get_entry
    from placegeo.layers import load_layer
    from placegeo.options import load_option

    footprint = shapely.union_all(load_option(HNY / "councils-2024.yaml").frame.geometry.values)
    lsoa = load_layer("lsoa11").frame
    covered = shapely.intersection(footprint, shapely.union_all(lsoa.geometry.values)).area / footprint.area
    assert get_entry("lsoa11").region == "lsc" and covered < 0.5
    result = run_cli("compare", str(HNY / "councils-2024.yaml"), "--against", "england/ctyua24",
                     "--population", "lsoa11", "--weight", "population")
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("placegeo: warning:")]
    assert len(lines) == 1 and "lsoa11" in lines[0]
    assert f"{covered:.1%}" in lines[0]


def test_user_polygon_option_takes_the_population_layer_covering_it(tmp_path):
    from placegeo.comparison import compare
    from placegeo.options import load_option

    path = tmp_path / "hny.gpkg"
    load_option(HNY / "councils-2024.yaml").frame.to_file(path)
    cmp = compare([path], ["england/ctyua24"], weight="population", boundary=False)
    assert cmp.settings.population_layer == "england/lsoa21"


def test_neighbours_touching_the_footprint_are_outside_not_split(hny_slivers):
    """Units with less than tol of their area inside F (checked with shapely) are outside only, or touched
    only by edge noise (strips within snap of the footprint's edge) and left out with it."""
    import shapely

    from placegeo.layers import load_layer
    from placegeo.options import load_option

    footprint = shapely.union_all(load_option(HNY / "councils-2024.yaml").frame.geometry.values)
    lads = load_layer("published/lad21")
    inside = {c: shapely.intersection(g, footprint).area / g.area
              for c, g in zip(lads.codes, lads.frame.geometry.values, strict=True) if g.intersects(footprint)}
    slivers = {c for c, s in inside.items() if 0 < s < 0.01}
    res = hny_slivers.options[0].results["published/lad21"]
    assert {u.code for u in res.outside_units} <= slivers
    assert len(res.outside_units) + res.noise.units_only == len(slivers)
    assert res.noise.units_only > 0 and res.noise.widest_m <= 2 * hny_slivers.settings.snap
    assert {"E08000017", "E07000142"} <= slivers  # Doncaster, West Lindsey: split 45 % / 77 % before
    assert not {u.code for u in res.split_units} & slivers
    # issue 13 point 6: "partly outside the footprint" lists real units only, never the slivers
    listed = {u.code for u in res.outside_footprint}
    assert not slivers & listed
    primary = hny_slivers.settings.primary
    for u in res.outside_footprint:
        assert u.inside[primary] >= hny_slivers.settings.tol * u.total[primary]
        assert u.outside[primary] > 0
    doc = json.loads(hny_slivers.to_json())["options"][0]["layers"]["published/lad21"]
    assert {u["code"] for u in doc["outside_footprint"]} == listed
    assert doc["outside_units"] + doc["edge_noise"]["units_only"] == len(slivers)
    assert doc["units"] == doc["whole_units"] + len(doc["split_units"])
    # C keeps the metrics.md formula: every unit's inside part, slivers included, over w(F)
    units = res.units + res.outside_units
    c = sum(u.inside["area"] * u.fit for u in units) / hny_slivers.options[0].footprint["area"]
    assert res.coterminosity["area"] == pytest.approx(min(1.0, c), abs=1e-12)


def test_comparison_only_layer_is_refused(run_cli):
    from placegeo.comparison import compare
    from placegeo.errors import UsageError

    with pytest.raises(UsageError, match="pcn-edec2020.*comparison only"):
        compare([FOUR], ["pcn-edec2020"])
    result = run_cli("compare", str(FOUR), "--against", "pcn-edec2020")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "pcn-edec2020" in result.stderr


def test_self_overlapping_user_layer_is_refused_and_c_never_exceeds_one(tmp_path):
    """The eDEC catchments as a user's file: 7,380 km² of polygons on a 4,709 km² union."""
    import shapely

    from placegeo.catalogue import get_entry
    from placegeo.comparison import compare, self_overlap
    from placegeo.errors import UsageError
    from placegeo.layers import read_frame

    entry = get_entry("pcn-edec2020")
    frame = read_frame(entry.path, layer=entry.layer).to_crs(27700)
    total, union = frame.area.sum(), shapely.union_all(frame.geometry.values).area
    assert self_overlap(frame.geometry.values) == pytest.approx(total / union - 1, rel=0.05)
    path = tmp_path / "catchments.gpkg"
    frame.to_file(path)
    with pytest.raises(UsageError, match="overlap.*placegeo validate"):
        compare([FOUR], [path], weight="area")
    tiles = tmp_path / "districts.gpkg"
    read_frame(get_entry("lad21").path, layer="lad21").to_file(tiles)
    ok = compare([FOUR], [tiles], weight="area", boundary=False)
    assert 0 < ok.options[0].results["districts"].coterminosity["area"] <= 1.0


def test_blocks_in_no_place_are_reported_by_name(run_cli):
    result = run_cli("compare", "data/options/lsc-four-places-2022.yaml", "--against", "lad21")
    assert result.exit_code == 0
    assert "5 lad21 block(s) in no place: Allerdale, Carlisle, Copeland, Eden, Craven" in result.stdout


def test_a_long_list_of_blocks_in_no_place_is_cut_short():
    from placegeo.render.scorecard import _unassigned_line

    names = [f"District {i}" for i in range(20)]
    line = _unassigned_line(names, "england/lad24")
    assert line.startswith("20 england/lad24 block(s) in no place: District 0, District 1,")
    assert line.endswith("District 7 and 12 more")


@pytest.mark.parametrize("weight", ["area", "population"])
def test_a_single_weight_still_writes_json_and_tables(weight, tmp_path, run_cli):
    result = run_cli("compare", "data/options/lsc-four-places-2022.yaml", "--against", "lad21", "--weight", weight,
                     "--format", "json", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    option = json.loads(result.stdout)["options"][0]
    expected_area = load_layer("lad21").frame.set_index("LAD21CD").area.drop(
        ["E07000026", "E07000028", "E07000029", "E07000030", "E07000163"]).sum() / 1e6
    assert option["footprint"]["area_km2"] == pytest.approx(expected_area, rel=1e-9)
    assert (option["footprint"]["population"] is None) == (weight == "area")
    assert (tmp_path / "out" / "scorecard.csv").exists()


def test_neighbourhoods_are_flagged_against_a_neighbourhood_band_set_on_the_command_line(run_cli, lsoas, tmp_path):
    """Each place of an option saying ``level: neighbourhood``: its population (a pandas sum over its districts'
    LSOAs) against 140,000 to 160,000; the place band is not theirs."""
    people = lsoas.assign(place=lsoas["LAD21CD"].map(PLACE_OF_LAD)).dropna(subset=["place"])
    people = people.groupby("place")["POP2020"].sum()
    hoods = tmp_path / "four-as-neighbourhoods.yaml"
    hoods.write_text("level: neighbourhood\n" + Path(FOUR).read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("compare", hoods, "--against", "lad21", "--format", "json",
                     "--neighbourhood-min", "140000", "--neighbourhood-max", "160000")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    flags = {p["name"]: p["neighbourhood"] for p in doc["options"][0]["places"]}
    assert flags == {name: "below" if n < 140_000 else "above" if n > 160_000 else "within"
                     for name, n in people.items()}
    assert flags["Blackpool"] == "below" and flags["Blackburn with Darwen"] == "within"  # 138,381 and 150,030
    assert doc["settings"]["neighbourhood_band"] == {"name": "neighbourhood", "low": 140_000, "high": 160_000}
    assert {p["band"] for p in doc["options"][0]["places"]} == {"n/a"}


def test_council_places_are_checked_against_the_place_band_only(run_cli):
    """The four council places are places, not neighbourhoods: no "above 30,000 to 50,000" for them."""
    result = run_cli("compare", FOUR, "--against", "lad21", "--format", "json")
    assert result.exit_code == 0, result.stderr
    places = json.loads(result.stdout)["options"][0]["places"]
    assert {p["neighbourhood"] for p in places} == {"n/a"}
    assert {p["name"]: p["band"] for p in places}["Blackpool"] == "within"  # 138,381 people, up to 500,000


def test_a_neighbourhood_band_upside_down_is_one_line_and_exit_2(run_cli):
    result = run_cli("compare", FOUR, "--neighbourhood-min", "60000", "--neighbourhood-max", "50000")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "placegeo: error: --neighbourhood-min (60,000) is above --neighbourhood-max (50,000)"]


DELIVERY_UNIT_OF_LAD = {  # Lancashire's delivery units, as the four-places option file gives them
    **dict.fromkeys(["E07000117", "E07000120", "E07000122", "E07000124", "E07000125"], "East Lancashire"),
    **dict.fromkeys(["E07000123", "E07000118", "E07000126", "E07000127"], "Central and West Lancashire"),
    **dict.fromkeys(["E07000121", "E07000119", "E07000128"], "North and Coast Lancashire"),
}


def test_the_sub_units_of_a_place_compare_as_an_option_of_their_own(run_cli, lsoas):
    """`FILE#Lancashire` is the three delivery units: the PCNs they split, with their shares and the people
    who move, equal pandas sums over the LSOAs of each PCN (the bundled LSOA -> PCN lookup)."""
    import pandas as pd

    from placegeo.catalogue import get_entry

    lookup = pd.read_csv(get_entry("pcn").path.parent / "lsoa11_pcn.csv", dtype=str)
    frame = lsoas.merge(lookup, on="LSOA11CD").assign(unit=lambda f: f["LAD21CD"].map(DELIVERY_UNIT_OF_LAD))
    shares = _shares(frame, "PCN_CODE", "unit", "POP2020")
    inside = frame.dropna(subset=["unit"]).groupby("PCN_CODE")["POP2020"].sum()
    total = frame.groupby("PCN_CODE")["POP2020"].sum()
    met = inside.index[inside / total.reindex(inside.index) >= 0.01]  # units with < tol inside are outside-only
    split = {code for code in met if shares.loc[code].max() < 0.99}
    result = run_cli("compare", f"{FOUR}#Lancashire", "--against", "lad21", "pcn", "--format", "json")
    assert result.exit_code == 0, result.stderr
    option = json.loads(result.stdout)["options"][0]
    assert [p["name"] for p in option["places"]] == list(dict.fromkeys(DELIVERY_UNIT_OF_LAD.values()))
    assert option["layers"]["lad21"]["coterminosity"] == {"area": pytest.approx(1.0), "population": pytest.approx(1.0)}
    got = {u["code"]: u for u in option["layers"]["pcn"]["split_units"]}
    assert set(got) == split and len(split) == 2
    for code in split:
        assert got[code]["shares"] == pytest.approx(shares.loc[code][shares.loc[code] >= 0.01].to_dict(), rel=1e-9)
        moving = inside[code] - shares.loc[code].max() * inside[code]
        assert got[code]["moving"]["population"] == pytest.approx(moving, rel=1e-9)


def test_a_place_without_sub_units_is_one_line_and_exit_2(run_cli):
    result = run_cli("compare", f"{FOUR}#Blackpool")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"placegeo: error: {FOUR}: place 'Blackpool' has no sub-units (places with sub-units: Lancashire)"]


def test_subunits_adds_each_places_sub_units_as_an_option(run_cli):
    """`--subunits` appends Lancashire's delivery units after the options given: the same figures as
    naming them with FILE#Lancashire."""
    both = run_cli("compare", FIVE, FOUR, "--against", "pcn", "--subunits", "--format", "json")
    alone = run_cli("compare", f"{FOUR}#Lancashire", "--against", "pcn", "--format", "json")
    assert both.exit_code == alone.exit_code == 0, both.stderr + alone.stderr
    options = json.loads(both.stdout)["options"]
    assert [o["name"] for o in options] == ["Five place partnerships (2019-2022)", "Four council places (July 2022)",
                                           "Lancashire delivery units"]
    assert options[2]["layers"] == json.loads(alone.stdout)["options"][0]["layers"]


# -- caveats travel with modelled data (issue 17) -----------------------------------------------------


def _modelled_in_catalogue() -> set[str]:
    """Layer ids whose catalogue entry says ``exactness: modelled`` or ``best-fit``, read from the YAML itself."""
    import yaml

    from tests.conftest import DATA

    found = set()
    for path in [DATA / "boundaries" / "catalogue.yaml", *sorted((DATA / "boundaries" / "catalogue.d").glob("*.yaml"))]:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = doc.get("layers", doc) if isinstance(doc, dict) else doc
        for entry in entries if isinstance(entries, list) else []:
            if entry.get("exactness") in ("modelled", "best-fit"):
                found.add(entry["id"])
    return found


CHESHIRE_MERSEYSIDE = OPTIONS.parent.parent / "docs" / "examples" / "cheshire-merseyside" / "councils-2024.yaml"


@pytest.fixture(scope="module")
def cheshire_modelled(tmp_path_factory):
    """Nine councils against districts (exact), wards (best-fit) and PCNs (modelled): terminal and JSON."""
    from placegeo.cli import run

    out = tmp_path_factory.mktemp("modelled")
    args = ["compare", str(CHESHIRE_MERSEYSIDE), "--against", "england/lad24", "england/ward24", "england/pcn"]
    assert run([*args, "--format", "json", "--out", str(out / "json")]) == 0
    return json.loads((out / "json" / "comparison.json").read_text(encoding="utf-8")), args


def test_json_flags_the_figures_of_modelled_layers(cheshire_modelled):
    doc, _ = cheshire_modelled
    assert {"england/ward24", "england/pcn"} <= _modelled_in_catalogue()
    assert "england/lad24" not in _modelled_in_catalogue()
    assert {layer["id"]: layer["modelled"] for layer in doc["layers"]} == {
        "england/lad24": False, "england/ward24": True, "england/pcn": True}
    for option in doc["options"]:
        assert {lid: res["modelled"] for lid, res in option["layers"].items()} == {
            "england/lad24": False, "england/ward24": True, "england/pcn": True}


def test_terminal_marks_modelled_figures_and_prints_their_caveat(cheshire_modelled, run_cli):
    from placegeo.catalogue import get_entry

    _, args = cheshire_modelled
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    rows = [line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│ england/")]
    assert {"england/ward24 †", "england/pcn †", "england/lad24"} <= set(rows)  # the scorecard's layer rows
    assert "england/lad24 †" not in result.stdout
    assert "split england/pcn † units:" in result.stdout
    notes = " ".join(result.stdout[result.stdout.rstrip().rindex("\n\n"):].split())  # the footnotes, at the end
    assert notes.startswith("† england/ward24")
    assert "† england/ward24 is a best fit" in notes
    assert "† england/pcn: " + " ".join(get_entry("england/pcn").caveat.split()[:6]) in notes


def test_an_option_of_pcns_is_neighbourhoods_and_modelled(run_cli, tmp_path):
    """Two Liverpool neighbourhoods built from england/pcn: checked against the neighbourhood band only (their
    Census 2021 populations summed over the LSOAs the membership file gives each PCN), and every figure marked."""
    import pandas as pd

    from placegeo.catalogue import get_entry
    from placegeo.metrics import NEIGHBOURHOOD_BAND, band_flag

    option = tmp_path / "hoods.yaml"
    option.write_text("name: Liverpool neighbourhoods\nblocks: england/pcn\nplaces:\n"
                      "  - name: North\n    blocks: [NORTH LIVERPOOL PCN]\n"
                      "  - name: South\n    blocks: [SWAGGA PCN]\n", encoding="utf-8")
    result = run_cli("compare", option, "--against", "england/lad24", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)["options"][0]
    assert doc["modelled"] is True
    pcn = load_layer("england/pcn").frame
    code = dict(zip(pcn["PCN_NAME"], pcn["PCN_CODE"], strict=True))
    members = pd.read_csv(get_entry("england/pcn").members_path, dtype=str)
    lsoa_col, pcn_col = members.columns[:2]
    lsoas = load_layer("england/lsoa21").frame
    lsoa_code = next(c for c in lsoas.columns if c.upper().startswith("LSOA21CD"))
    people = lsoas.set_index(lsoa_code)["POP2021"]
    for place, name in (("North", "NORTH LIVERPOOL PCN"), ("South", "SWAGGA PCN")):
        expected = float(people.loc[members.loc[members[pcn_col] == code[name], lsoa_col]].sum())
        got = next(p for p in doc["places"] if p["name"] == place)
        assert got["population"] == pytest.approx(expected)
        assert (got["band"], got["neighbourhood"]) == ("n/a", band_flag(expected, NEIGHBOURHOOD_BAND))
    text = run_cli("compare", option, "--against", "england/lad24").stdout
    assert "Liverpool neighbourhoods †" in text and "† england/pcn: Modelled footprints" in " ".join(text.split())
