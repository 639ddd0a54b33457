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


# --- one parser: `compare` refuses exactly what `validate --option` reports ---------------------------------
# The four files below passed `validate --option` and were refused by `compare` before the two shared a parser.

def _refused_and_reported(run_cli, path: Path) -> tuple[str, list[dict]]:
    """compare's one-line refusal (without 'placegeo: error: PATH: ') and validate's error findings."""
    import json

    compared = run_cli("compare", path, "--against", "lad21", "--weight", "area")
    assert compared.exit_code == 2
    validated = run_cli("validate", "--option", path, "--format", "json")
    assert validated.exit_code == 1, validated.stdout
    findings = [f for r in json.loads(validated.stdout)["files"] for f in r["findings"]]
    prefix = f"placegeo: error: {path}:{findings[0]['line']}: "  # the line of the first finding, as compilers do
    assert compared.stderr.startswith(prefix)
    refusal = compared.stderr.strip()[len(prefix):]
    assert findings[0]["message"] == refusal
    return refusal, findings


def test_an_unknown_key_is_refused_and_reported_on_its_line(run_cli, tmp_path):
    path = _write(tmp_path, "name: t\nblocks: lad21\ncolour: red\nplaces:\n  - {name: A, blocks: [Wyre]}\n")
    refusal, findings = _refused_and_reported(run_cli, path)
    assert refusal.startswith("unknown key 'colour' in option (allowed: blocks, code_column")
    assert [(f["check"], f["line"]) for f in findings] == [("option-structure", 3)]


def test_duplicate_place_names_are_refused_and_reported_on_the_second(run_cli, tmp_path):
    path = _write(tmp_path, "name: t\nblocks: lad21\nplaces:\n  - name: Coast\n    blocks: [Wyre]\n"
                            "  - name: Coast\n    blocks: [Fylde]\n")
    refusal, findings = _refused_and_reported(run_cli, path)
    assert refusal == "two places are named 'Coast'"
    assert [(f["check"], f["line"]) for f in findings] == [("option-place-name", 6)]


def test_a_place_without_a_name_is_refused_and_reported(run_cli, tmp_path):
    path = _write(tmp_path, "name: t\nblocks: lad21\nplaces:\n  - name: Coast\n    blocks: [Wyre]\n"
                            "  - blocks: [Fylde]\n")
    refusal, findings = _refused_and_reported(run_cli, path)
    assert refusal == "a place has no name"
    assert [(f["check"], f["line"]) for f in findings] == [("option-place-name", 6)]


def test_a_name_given_as_a_list_is_refused_and_reported(run_cli, tmp_path):
    path = _write(tmp_path, "name: t\nblocks: lad21\nplaces:\n  - name: [Fylde, Coast]\n    blocks: [Wyre]\n")
    refusal, findings = _refused_and_reported(run_cli, path)
    assert refusal == "a place's 'name' should be a text, not list"
    assert [(f["check"], f["line"]) for f in findings] == [("option-place-name", 4)]


def test_every_mistake_is_reported_in_file_order_and_the_first_is_raised(tmp_path):
    from placegeo.option_file import parse_option

    path = _write(tmp_path, "name: t\nblocks: lad21\nplaces:\n"
                            "  - name: A\n    blocks: [Wyre, Blackpol, Wyre]\n"   # 5: unknown, then twice
                            "    colour: red\n"                                     # 6: unknown key
                            "  - name: B\n    blocks: [wyre]\n"                     # 8: Wyre in two places
                            "  - name: C\n    blocks: []\n")                        # 9: empty
    spec = parse_option(path)
    assert [(d.check, d.line) for d in spec.diagnostics] == [
        ("option-structure", 6), ("option-block-unknown", 5), ("option-block-twice", 5),
        ("option-place-empty", 9), ("option-block-twice", 8)]
    with pytest.raises(OptionError, match="unknown key 'colour' in a place") as raised:
        load_option(path)
    assert raised.value.line == 6
    assert spec.places[0].blocks == ("E07000128",)  # Wyre once; Blackpol left out


def test_toml_mistakes_are_found_without_lines_and_syntax_errors_with_one(tmp_path):
    from placegeo.option_file import parse_option

    spec = parse_option(_write(tmp_path, 'name = "t"\nblocks = "lad21"\n[[places]]\nname = "A"\nblocks = ["Wyr"]\n',
                               name="option.toml"))
    assert [(d.check, d.line) for d in spec.diagnostics] == [("option-block-unknown", None)]
    spec = parse_option(_write(tmp_path, 'name = "t"\nblocks = lad21\n', name="broken.toml"))
    assert [(d.check, d.line) for d in spec.diagnostics] == [("option-syntax", 2)]


def test_a_broken_blocks_layer_waits_for_the_other_mistakes(tmp_path):
    """A blocks layer that cannot be loaded is a layer problem (exit 2), unless the file has mistakes before it."""
    from placegeo.errors import LayerError

    missing = _write(tmp_path, "name: t\nblocks: nowhere.gpkg\nplaces:\n  - {name: A, blocks: [Wyre]}\n")
    with pytest.raises(LayerError, match="nowhere.gpkg"):
        load_option(missing)
    also_bad = _write(tmp_path, "name: t\ncolour: red\nblocks: nowhere.gpkg\nplaces:\n  - {name: A, blocks: [Wyre]}\n",
                      name="two.yaml")
    with pytest.raises(OptionError, match="unknown key 'colour'"):
        load_option(also_bad)


# --- the fuzz cases: random option structures, through both readers ------------------------------------------

def _load_outcome(path: Path) -> str:
    from placegeo.errors import PlacegeoError

    try:
        load_option(path)
    except OptionError as err:
        return f"refused: {err.message}" + (f" ({err.hint})" if err.hint else "")
    except PlacegeoError as err:
        return f"cannot run: {err}"
    return "accepted"


def _validate_outcome(path: Path) -> str:
    from placegeo.errors import PlacegeoError
    from placegeo.validation import validate_option

    try:
        report = validate_option(path)
    except PlacegeoError as err:
        return f"cannot run: {err}"
    errors = [f for f in report.findings if f.severity == "error"]
    return f"refused: {errors[0].message}" if errors else "accepted"


POOL = ["Wyre", "Fylde", "Preston", "chorley", "E06000009", "E07000117", "Lancaster", "Burnley"]


def _mistake(kind: str, raw: dict, i: int) -> None:
    """Make one mistake of ``kind`` in place ``i`` (or at the top) of a valid option ``raw``, in place."""
    places = raw["places"]
    place = places[i % len(places)]
    if kind == "subunits-tile":
        half = max(1, len(place["blocks"]) // 2)
        place["subunits"] = {"places": [{"name": "S1", "blocks": place["blocks"][:half]},
                                        {"name": "S2", "blocks": place["blocks"][half:]}]}
    elif kind == "subunits-short":
        place["subunits"] = {"places": [{"name": "S1", "blocks": place["blocks"][:1]}]}
    elif kind == "subunits-only":
        place["subunits"] = {"places": [{"name": "S1", "blocks": place.pop("blocks")}]}
    else:
        {"same-name": lambda: place.update(name=places[0].get("name")),
         "no-name": lambda: place.pop("name", None),
         "name-list": lambda: place.update(name=[place.get("name"), "x"]),
         "key-top": lambda: raw.update(colour="red"),
         "key-place": lambda: place.update(colour="red"),
         "typo": lambda: place.update(blocks=[*place["blocks"], "Blackpol"]),
         "twice": lambda: place.update(blocks=[*place["blocks"], place["blocks"][0]]),
         "stolen": lambda: place.update(blocks=[*place["blocks"], places[0]["blocks"][0]]),
         "empty": lambda: place.update(blocks=[]),
         "block-type": lambda: place.update(blocks=[*place["blocks"], {"code": 1}]),
         "blocks-type": lambda: place.update(blocks="Wyre"),
         "places-type": lambda: raw.update(places="Wyre"),
         "top-name": lambda: raw.pop("name", None),
         "description": lambda: raw.update(description=3),
         "no-blocks-layer": lambda: raw.pop("blocks", None)}[kind]()


MISTAKES = ["subunits-tile", "subunits-short", "subunits-only", "same-name", "no-name", "name-list", "key-top",
            "key-place", "typo", "twice", "stolen", "empty", "block-type", "blocks-type", "places-type", "top-name",
            "description", "no-blocks-layer"]


def _fuzz_values():
    """Valid options over real districts, with none, one or two mistakes (of MISTAKES) at any level."""
    from hypothesis import strategies as st

    @st.composite
    def option(draw):
        pool = draw(st.permutations(POOL))
        sizes = draw(st.lists(st.integers(1, 2), min_size=1, max_size=3))
        places, start = [], 0
        for n, size in enumerate(sizes):
            places.append({"name": f"P{n}", "blocks": pool[start:start + size]})
            start += size
        raw = {"name": "t", "blocks": "lad21", "places": places}
        for kind, i in draw(st.lists(st.tuples(st.sampled_from(MISTAKES), st.integers(0, 2)), max_size=2)):
            if isinstance(raw.get("places"), list) and all(isinstance(p.get("blocks"), list) and p["blocks"]
                                                           for p in raw["places"]):
                _mistake(kind, raw, i)
        return raw

    return option()


def test_random_options_are_refused_by_load_option_exactly_when_validate_reports_them(tmp_path):
    import yaml
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(raw=_fuzz_values())
    def check(raw):
        path = tmp_path / "fuzz.yaml"
        path.write_text(yaml.safe_dump(raw), encoding="utf-8")
        assert _load_outcome(path) == _validate_outcome(path)

    check()


def test_random_text_is_refused_by_load_option_exactly_when_validate_reports_it(tmp_path):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    lines = st.sampled_from(["name: t", "blocks: lad21", "places:", "  - name: A", "    blocks: [Wyre]", "\t- x",
                             "  - {name: B, blocks: [Fylde, Fylde]}", "a: &x [1]", "b: *x", "places: [", "name: [t]"])

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=st.one_of(st.text(max_size=40), st.lists(lines, max_size=7).map("\n".join)))
    def check(text):
        path = tmp_path / "fuzz.yaml"
        path.write_text(text, encoding="utf-8")
        assert _load_outcome(path) == _validate_outcome(path)

    check()
