"""Option files: the two bundled L&SC options, and the mistakes users make with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from placegeo.errors import OptionError
from placegeo.layers import load_layer
from placegeo.options import load_option

OPTIONS = Path(__file__).resolve().parent.parent / "data" / "options"
FIVE = OPTIONS / "lsc-five-partnerships-2019.yaml"
FOUR = OPTIONS / "lsc-four-places-2022.yaml"


@pytest.fixture(scope="module")
def lsoa11():
    return load_layer("lsoa11").frame


def _write(tmp_path: Path, text: str, name: str = "option.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_five_partnerships_are_built_from_the_eight_ccgs():
    option = load_option(FIVE)
    assert option.place_names == ["Central Lancashire", "Fylde Coast", "Morecambe Bay", "Pennine Lancashire",
                                  "West Lancashire"]
    assert sorted(c for p in option.places for c in p.blocks) == sorted(load_layer("ccg21").codes)
    assert option.unassigned == []


def test_four_places_leave_the_cumbrian_and_craven_districts_unassigned():
    option = load_option(FOUR)
    assert option.place_names == ["Lancashire", "Blackpool", "Blackburn with Darwen", "South Cumbria"]
    assert option.unassigned == ["E07000026", "E07000028", "E07000029", "E07000030", "E07000163"]


def test_lancashire_is_the_union_of_its_three_delivery_units():
    lancashire = load_option(FOUR).places[0]
    assert lancashire.subunits.place_names == ["East Lancashire", "Central and West Lancashire",
                                               "North and Coast Lancashire"]
    assert sorted(lancashire.blocks) == [f"E070001{n}" for n in range(17, 29)]


def test_place_members_are_the_lsoas_of_their_blocks(lsoa11):
    members = load_option(FIVE).members()
    pennine = lsoa11.loc[lsoa11.CCG21CD.isin(["E38000050", "E38000014"]), "LSOA11CD"]
    assert members["Pennine Lancashire"] == frozenset(pennine)


def test_place_geometry_has_the_area_of_its_lsoas(lsoa11):
    option = load_option(FOUR)
    south_cumbria = option.frame.set_index("place").area["South Cumbria"]
    expected = lsoa11.loc[lsoa11.LAD21CD.isin(["E07000027", "E07000031"])].area.sum()
    assert south_cumbria == pytest.approx(expected, rel=1e-9)


def test_blocks_may_be_given_by_code_or_by_name_in_any_case(tmp_path):
    option = load_option(_write(tmp_path, "name: t\nblocks: lad21\nplaces:\n"
                                          "  - {name: A, blocks: [blackpool, E06000008]}\n"))
    assert option.places[0].blocks == ("E06000009", "E06000008")


def test_unknown_block_suggests_the_nearest_names(tmp_path):
    path = _write(tmp_path, "name: t\nblocks: lad21\nplaces:\n  - {name: A, blocks: [Blackpol]}\n")
    with pytest.raises(OptionError, match=r"unknown block 'Blackpol' in place 'A'.*did you mean Blackpool"):
        load_option(path)


def test_a_block_in_two_places_is_refused(tmp_path):
    path = _write(tmp_path, "name: t\nblocks: lad21\nplaces:\n  - {name: A, blocks: [Wyre]}\n"
                            "  - {name: B, blocks: [Fylde, Wyre]}\n")
    with pytest.raises(OptionError, match=r"E07000128 \(Wyre\) is in two places: 'A' and 'B'"):
        load_option(path)


def test_an_empty_place_is_refused(tmp_path):
    path = _write(tmp_path, "name: t\nblocks: lad21\nplaces:\n  - {name: A, blocks: []}\n")
    with pytest.raises(OptionError, match="place 'A' is empty"):
        load_option(path)


def test_an_ambiguous_name_asks_for_the_code(tmp_path):
    # LSOA names are unique, so make an ambiguous layer from two districts renamed alike
    layer = load_layer("lad21").frame.head(2).copy()
    layer["LAD21NM"] = "Same"
    layer.to_file(tmp_path / "blocks.gpkg")
    path = _write(tmp_path, "name: t\nblocks: blocks.gpkg\nplaces:\n  - {name: A, blocks: [same]}\n")
    with pytest.raises(OptionError, match="ambiguous: it names"):
        load_option(path)


def test_a_file_that_is_not_an_option_says_so(tmp_path):
    with pytest.raises(OptionError, match="is not an option file"):
        load_option(_write(tmp_path, "- just\n- a list\n"))


def test_yaml_aliases_are_refused(tmp_path):
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\nname: t\n"
    with pytest.raises(OptionError, match="aliases"):
        load_option(_write(tmp_path, bomb))


def test_unknown_keys_are_named(tmp_path):
    with pytest.raises(OptionError, match="unknown key 'plaes'"):
        load_option(_write(tmp_path, "name: t\nblocks: lad21\nplaes: []\n"))


def test_subunits_that_do_not_tile_their_place_are_refused(tmp_path):
    text = ("name: t\nblocks: lad21\nplaces:\n  - name: A\n    blocks: [Fylde, Wyre]\n"
            "    subunits:\n      places:\n        - {name: A1, blocks: [Fylde]}\n")
    with pytest.raises(OptionError, match="sub-units of 'A' do not tile it"):
        load_option(_write(tmp_path, text))


def test_a_polygon_file_option_dissolves_features_by_place_name(tmp_path):
    districts = load_layer("lad21").frame
    drawing = districts[districts.LAD21CD.isin(["E07000119", "E07000128", "E06000009"])].copy()
    drawing["place"] = drawing.LAD21CD.map({"E06000009": "Blackpool", "E07000119": "Coast", "E07000128": "Coast"})
    drawing.to_crs(4326).to_file(tmp_path / "drawing.geojson")
    option = load_option(tmp_path / "drawing.geojson")
    areas = option.frame.set_index("place").area
    assert sorted(areas.index) == ["Blackpool", "Coast"]
    expected = districts.loc[districts.LAD21CD.isin(["E07000119", "E07000128"])].area.sum()
    assert areas["Coast"] == pytest.approx(expected, rel=1e-6)


def test_a_toml_option_reads_like_yaml(tmp_path):
    path = _write(tmp_path, 'name = "t"\nblocks = "lad21"\n[[places]]\nname = "A"\nblocks = ["Wyre"]\n',
                  name="option.toml")
    assert load_option(path).places[0].blocks == ("E07000128",)
