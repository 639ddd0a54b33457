"""The consolidated core (issue 14) and the region-following defaults (issue 13 points 5 and 6).

Every figure is checked against a computation made another way: pandas sums over the LSOA 2011 layer's own
lookup columns, or shapely areas of the polygons themselves.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import yaml

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = ROOT / "data" / "options"
FIVE = OPTIONS / "lsc-five-partnerships-2019.yaml"
FOUR = OPTIONS / "lsc-four-places-2022.yaml"
HNY = ROOT / "docs" / "examples" / "humber-north-yorkshire"

FIVE_CCGS = {"E38000227": "Central Lancashire", "E38000034": "Central Lancashire", "E38000015": "Fylde Coast",
             "E38000226": "Fylde Coast", "E38000228": "Morecambe Bay", "E38000050": "Pennine Lancashire",
             "E38000014": "Pennine Lancashire", "E38000200": "West Lancashire"}
DELIVERY_UNITS = {
    "East Lancashire": ["Burnley", "Hyndburn", "Pendle", "Ribble Valley", "Rossendale"],
    "Central and West Lancashire": ["Preston", "Chorley", "South Ribble", "West Lancashire"],
    "North and Coast Lancashire": ["Lancaster", "Fylde", "Wyre"],
}
FOUR_DISTRICTS = {
    **{d: "Lancashire" for ds in DELIVERY_UNITS.values() for d in ds},
    "Blackpool": "Blackpool", "Blackburn with Darwen": "Blackburn with Darwen",
    "Barrow-in-Furness": "South Cumbria", "South Lakeland": "South Cumbria",
}


@pytest.fixture(scope="module")
def lsoas():
    """The LSOA 2011 layer with each LSOA's five-partnership place and four-place unit, by pandas alone."""
    frame = gpd.read_file(ROOT / "data" / "boundaries" / "lsc" / "lsoa11.gpkg")
    frame["five"] = frame["CCG21CD"].map(FIVE_CCGS)
    frame["four"] = frame["LAD21NM"].map(FOUR_DISTRICTS)
    frame["unit"] = frame["LAD21NM"].map({d: u for u, ds in DELIVERY_UNITS.items() for d in ds})
    frame["area"] = frame.geometry.area
    return frame


def _expected(lsoas, unit_column: str, weight: str):
    """Per reference unit: shares among the five places, and weight moving, by groupby sums; and C."""
    both = lsoas[lsoas["five"].notna() & lsoas[unit_column].notna()]
    cells = both.groupby([unit_column, "five"])[weight].sum()
    people = both.groupby([unit_column, "five"])["POP2020"].sum()
    inside = cells.groupby(level=0).sum()
    shares = {u: (cells[u] / inside[u]).to_dict() for u in inside.index}
    # people moving leave their unit's best-fit place by population (the primary weight), whatever the weight
    moving = {u: float(inside[u] - cells[u][people[u].idxmax()]) for u in inside.index}
    c = float(sum(cells[u].max() for u in inside.index) / inside.sum())  # over the part the layer covers
    covered = float(both["area"].sum() / lsoas.loc[lsoas["five"].notna(), "area"].sum())
    return shares, moving, c, covered


def test_option_against_option_is_exact_membership_and_agrees_with_pandas(lsoas):
    from placegeo import compare

    with pytest.warns(UserWarning, match=r"lsc-four-places-2022 covers only 94\.\d% of the footprint"):
        cmp = compare([FIVE], [FOUR])
    res = cmp.options[0].results["lsc-four-places-2022"]
    assert res.method == "membership"
    assert cmp.layers[0].title == "Four council places (July 2022)"
    for weight in ("POP2020", "area"):
        key = "population" if weight == "POP2020" else "area"
        shares, moving, c, covered = _expected(lsoas, "four", weight)
        units = {u.code: u for u in res.units}
        assert set(units) == set(shares)
        for code, unit in units.items():
            assert unit.shares[key] == pytest.approx(shares[code], rel=1e-12)
            assert unit.moving[key] == pytest.approx(moving[code], rel=1e-9, abs=1e-6)
        assert res.coterminosity[key] == pytest.approx(c, rel=1e-12)
        assert res.moving_total(key) == pytest.approx(sum(moving.values()), rel=1e-12)
    assert res.coverage == pytest.approx(covered, rel=1e-12)
    assert [u.code for u in res.split_units] == ["Lancashire"]
    assert res.people_moving == pytest.approx(842_683.0)


def test_option_place_against_options_sub_units_file_place(lsoas, run_cli):
    """``--against "B.yaml#Lancashire"``: the delivery units are the reference units, measured exactly."""
    import json

    result = run_cli("compare", str(FIVE), "--against", str(FOUR), f"{FOUR}#Lancashire", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "covers only 58." in result.stderr
    layers = json.loads(result.stdout)["options"][0]["layers"]
    assert layers["lsc-four-places-2022"]["method"] == "membership"
    doc = layers["lsc-four-places-2022#Lancashire"]
    assert doc["method"] == "membership"
    shares, moving, c, _ = _expected(lsoas, "unit", "POP2020")
    assert doc["coterminosity"]["population"] == pytest.approx(c, rel=1e-12)
    split = {u["code"]: u for u in doc["split_units"]}
    assert set(split) == set(DELIVERY_UNITS)
    for code, unit in split.items():
        assert unit["moving"]["population"] == pytest.approx(moving[code], abs=1e-6)
        assert unit["shares_by_weight"]["population"] == pytest.approx(shares[code], rel=1e-12)


def test_reference_layer_of_another_region_is_refused_with_a_suggestion(run_cli, tmp_path):
    """L&SC districts against Hull and East Riding (England blocks): 0 % covered, so refused, not scored."""
    from placegeo import compare
    from placegeo.errors import UsageError

    option = {"name": "Hull and East Riding", "blocks": "england/lad24",
              "places": [{"name": "Hull", "blocks": ["E06000010"]}, {"name": "East Riding", "blocks": ["E06000011"]}]}
    with pytest.raises(UsageError, match=r"lad21 covers 0% of the footprint") as err:
        compare([option], ["lad21"], weight="area", boundary=False)
    assert err.value.hint == "did you mean england/lad21?"
    with pytest.raises(UsageError, match=r"lad21 covers 0% of the footprint"):  # by population alone too
        compare([option], ["lad21"], weight="population", boundary=False)
    path = tmp_path / "hull-east-riding.yaml"
    path.write_text(yaml.safe_dump(option), encoding="utf-8")
    result = run_cli("compare", str(path), "--against", "ccg21", "--weight", "area")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "did you mean england/ccg21?" in result.stderr


def test_reference_covering_part_of_the_footprint_is_scored_over_that_part(tmp_path):
    """A user's file holding one district (East Riding) of a six-council option: coverage from shapely, a
    warning stating it, and C measured over East Riding alone (where the option is coterminous), not over F."""
    from placegeo import compare
    from placegeo.layers import load_layer
    from placegeo.options import load_option

    districts = load_layer("england/lad24").frame
    code = load_layer("england/lad24").code
    hull = districts[districts[code] == "E06000011"]
    path = tmp_path / "east-riding.gpkg"
    hull.to_file(path)
    footprint = shapely.union_all(load_option(HNY / "councils-2024.yaml").frame.geometry.values)
    expected = shapely.intersection(hull.geometry.iloc[0], footprint).area / footprint.area
    said: list[str] = []
    cmp = compare([HNY / "councils-2024.yaml"], [path], weight="area", boundary=False, warn=said.append)
    res = cmp.options[0].results["east-riding"]
    assert res.coverage == pytest.approx(expected, rel=1e-6)
    assert len(said) == 1 and f"covers only {expected:.1%} of the footprint" in said[0]
    assert "scored over the part it covers" in said[0]
    assert res.coterminosity["area"] > 0.99  # over all of F it would be about the coverage
    assert 0.1 < expected < 0.3


def test_defaults_follow_the_options_region():
    from placegeo import compare
    from placegeo.catalogue import default_against, load_catalogue

    lsc = compare([FOUR], weight="area", boundary=False)
    assert [i.id for i in lsc.layers] == default_against("lsc")
    eng = compare([HNY / "councils-2024.yaml"], weight="area", boundary=False)
    ids = [i.id for i in eng.layers]
    assert ids == default_against("england")
    catalogue = load_catalogue()
    assert ids and all(catalogue[i].region == "england" for i in ids)
    for res in eng.options[0].results.values():  # every default layer covers the option's footprint
        assert res.coverage > 0.99


def test_overlap_and_bestfit_read_the_same_weighing(lsoas):
    """overlap (long view) and bestfit over the weighing core: CCG × district by pandas sums over LSOAs."""
    from placegeo import bestfit, overlap

    table = overlap("ccg21", "lad21", weight="both").set_index(["left", "right"])
    sums = lsoas.groupby(["CCG21CD", "LAD21CD"])[["POP2020", "area"]].sum()
    assert len(table) == len(sums)
    assert table["population"].to_numpy() == pytest.approx(sums.loc[table.index, "POP2020"].to_numpy(), rel=1e-12)
    assert table["area_m2"].to_numpy() == pytest.approx(sums.loc[table.index, "area"].to_numpy(), rel=1e-9)
    fit = bestfit("lad21", "ccg21").lookup.set_index("small_code")["large_code"]
    by_pandas = sums["POP2020"].unstack(0).fillna(0).idxmax(axis=1)
    assert fit.sort_index().to_dict() == by_pandas.sort_index().to_dict()


def test_people_in_an_area_is_exact_over_whole_lsoas(lsoas):
    from placegeo.population import people_in, population_layer

    blackpool = lsoas[lsoas["LAD21NM"] == "Blackpool"]
    people, codes = people_in(shapely.union_all(blackpool.geometry.values), population_layer("lsoa11"))
    assert people == int(blackpool["POP2020"].sum())
    assert set(blackpool["LSOA11CD"]) <= set(codes)
    # the checks' entry point: the policy picks lsoa11 for an L&SC footprint, and counts the same people
    from placegeo.layers import load_layer
    from placegeo.population import people_counter

    count = people_counter(load_layer("ctyua21"))
    assert count is not None
    assert count(shapely.union_all(blackpool.geometry.values))[0] == int(blackpool["POP2020"].sum())


def test_repair_is_passed_explicitly_not_through_the_environment(tmp_path):
    import os

    from placegeo import compare
    from placegeo.errors import LayerError
    from placegeo.layers import load_layer

    broken = load_layer("lad21").frame.copy()
    x, y = shapely.point_on_surface(broken.geometry.iloc[0]).coords[0]
    broken.loc[0, "geometry"] = shapely.Polygon([(x, y), (x + 50, y + 50), (x + 50, y), (x, y + 50)])  # a bow tie
    path = tmp_path / "bowtie.gpkg"
    broken.to_file(path)
    with pytest.raises(LayerError, match="invalid geometry"):
        compare([FOUR], [path], weight="area", boundary=False)
    with pytest.warns(UserWarning, match="repaired 1 invalid geometry"):
        compare([FOUR], [path], weight="area", boundary=False, repair=True)
    assert "PLACEGEO_REPAIR" not in os.environ and "PLACEGEO_ENGINE" not in os.environ
