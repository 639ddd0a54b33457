"""`placegeo snap`: a QGIS-style sketch of West Yorkshire (tests/sketches.py: wobbly edges, EPSG:4326) as
whole LSOAs and whole PCNs, checked against the official lookups joined to Census 2021 and IMD 2025."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sketches import SKETCH_PLACES, west_yorkshire_sketch

from placegeo.api import compare

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sketch(tmp_path_factory) -> Path:
    return west_yorkshire_sketch(tmp_path_factory.mktemp("sketch") / "west-yorkshire.gpkg")


@pytest.fixture(scope="module")
def snapped(sketch, tmp_path_factory):
    """The sketch snapped to england/lsoa21 by the CLI: (option file, what it printed)."""
    from typer.testing import CliRunner

    from placegeo.cli import app

    out = tmp_path_factory.mktemp("snapped") / "west-yorkshire.yaml"
    result = CliRunner().invoke(app, ["snap", str(sketch), "--to", "england/lsoa21", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.stdout


@pytest.fixture(scope="module")
def census(shared_sources) -> pd.DataFrame:
    """Per LSOA 2021: usual residents (Census 2021), district 2024 and IMD 2025 decile, from the sources."""
    people = pd.read_csv(shared_sources / "lsoa21-population-census2021/census21_pop_lsoa21_EW_agegroups.csv",
                         usecols=["lsoa21_code", "usual_residents"]).set_index("lsoa21_code")
    lad = pd.read_csv(shared_sources / "la-hierarchy-lookups/lookup_lsoa21_ward24_ltla24_EW.csv",
                      usecols=["lsoa21_code", "ltla24_code"]).drop_duplicates("lsoa21_code").set_index("lsoa21_code")
    imd = pd.read_csv(shared_sources / "imd-england/imd2025_lsoa21_England.csv",
                      usecols=["lsoa21_code", "IMD_decile"]).set_index("lsoa21_code")
    return people.join(lad).join(imd)


def moved_people(stdout: str) -> float:
    return float(re.search(r"snapping moves ([\d,]+) people", stdout).group(1).replace(",", ""))


def populations(comparison) -> dict[str, dict[str, float]]:
    return {o.name: {p.name: p.population for p in o.places} for o in comparison.options}


def test_snapped_sketch_compares_as_the_sketch_within_the_people_it_moved(sketch, snapped):
    out, stdout = snapped
    moved = moved_people(stdout)
    comparison = compare([sketch, out], ["england/lad24"], boundary=False)
    drawn, whole = (populations(comparison)[o.name] for o in comparison.options)
    assert list(whole) == list(SKETCH_PLACES)
    for place in SKETCH_PLACES:
        assert abs(whole[place] - drawn[place]) <= moved + 1  # compare rounds to the person
    assert 0 < moved < 0.01 * sum(drawn.values())  # a wobble of ~90 m moves under 1 % of 2.35 million people
    blocks = comparison.options[1].results["england/lad24"]
    assert blocks.method == "membership"  # whole LSOAs: the exact path from now on


def test_snapped_places_are_whole_lsoas_summed_from_the_lookups(snapped, census):
    out, stdout = snapped
    option = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert option["blocks"] == "england/lsoa21"
    comparison = compare([out], ["england/lad24"], boundary=False)
    found = populations(comparison)[comparison.options[0].name]
    for place in option["places"]:
        lsoas = place["blocks"]
        assert found[place["name"]] == census.usual_residents.loc[lsoas].sum()
        printed = re.search(rf"{place['name']}: ([\d,]+) blocks, ([\d,]+) people", stdout)
        assert int(printed.group(1).replace(",", "")) == len(lsoas)
        assert int(printed.group(2).replace(",", "")) == census.usual_residents.loc[lsoas].sum()
        # a wobble of ~90 m never outweighs a whole LSOA: each place is its districts again, LSOA for LSOA
        districts = SKETCH_PLACES[place["name"]]
        assert set(lsoas) == set(census.index[census.ltla24_code.isin(districts)])


def test_snapping_to_pcns_names_the_straddling_pcns_and_the_people_they_move(snapped, census, tmp_path, run_cli):
    out, _ = snapped
    pcn_out = tmp_path / "pcns.yaml"
    result = run_cli("snap", str(out), "--to", "england/pcn", "--out", str(pcn_out))
    assert result.exit_code == 0, result.stderr
    from placegeo.snapping import SHOWN_MOVES, snap

    snapped_pcns = snap(out, "england/pcn")
    members = pd.read_csv(ROOT / "data/boundaries/england/lsoa21_pcn.csv").set_index("LSOA21CD").PCN_CODE
    places = {p["name"]: set(p["blocks"]) for p in yaml.safe_load(out.read_text(encoding="utf-8"))["places"]}
    straddling = [m for m in snapped_pcns.moves if m.people >= 0.5]
    assert straddling, "West Yorkshire's districts split some PCNs"
    for move in straddling:  # each PCN's people in each place, summed over its LSOAs from the lookups
        lsoas = census.loc[members.index[members == move.code]]
        for place, codes in places.items():
            assert move.shares.get(place, 0.0) == lsoas.usual_residents[lsoas.index.isin(codes)].sum()
        away = ~lsoas.index.isin(places.get(move.to, set()))
        assert move.people == lsoas.usual_residents[away].sum()
        assert move.core20 == lsoas.usual_residents[away & (lsoas.IMD_decile <= 2)].sum()
    for move in straddling[:SHOWN_MOVES]:  # the largest moves are printed
        assert f"({move.code}): {move.people:,.0f} people" in result.stdout
    total = sum(m.people for m in snapped_pcns.moves)
    assert f"snapping moves {total:,.0f} people" in result.stdout
    whole_pcns = compare([pcn_out], ["england/lad24"], boundary=False)
    found = populations(whole_pcns)[whole_pcns.options[0].name]
    for place in yaml.safe_load(pcn_out.read_text(encoding="utf-8"))["places"]:
        lsoas = members.index[members.isin(place["blocks"])]
        assert found[place["name"]] == census.usual_residents.loc[lsoas].sum()
