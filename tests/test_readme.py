"""The figures the README quotes are the figures placegeo computes (so the README cannot go stale)."""

from __future__ import annotations

from pathlib import Path

import pytest

import placegeo
from placegeo.layers import load_layer

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
OPTIONS = ROOT / "data" / "options"


@pytest.fixture(scope="module")
def comparison():
    return placegeo.compare([OPTIONS / "lsc-five-partnerships-2019.yaml", OPTIONS / "lsc-four-places-2022.yaml"],
                            against=["lad21", "ccg21"])


def _split(comparison, option: int, layer: str, name: str):
    return next(u for u in comparison.options[option].results[layer].split_units if u.name == name)


def test_ribble_valley_figures_in_the_readme(comparison):
    unit = _split(comparison, 0, "lad21", "Ribble Valley")
    shares = sorted(((round(s * 100), p) for p, s in unit.parts.items()), reverse=True)
    assert shares == [(81, "Pennine Lancashire"), (19, "Central Lancashire")]
    assert f"{round(unit.moving['population']):,} people in the part that moves" in README
    assert "81 % Pennine Lancashire / 19 % Central Lancashire" in README


def test_morecambe_bay_split_in_the_readme(comparison):
    unit = _split(comparison, 1, "ccg21", "NHS Morecambe Bay CCG")
    assert unit.parts.keys() == {"South Cumbria", "Lancashire", "outside"}  # shares of the whole CCG
    assert sorted(round(s * 100) for s in unit.parts.values()) == [4, 44, 51]
    assert "Morecambe Bay CCG 51 % / 44 % and leave the rest of it, 4 %" in README


def test_people_outside_the_four_places_in_the_readme():
    lsoa = load_layer("lsoa11").frame
    outside = lsoa[(lsoa.ICB22CD == "E54000048") & lsoa.LAD21CD.isin(["E07000029", "E07000163"])]
    assert f"LSOAs, {int(outside.POP2020.sum()):,} people, outside every place" in README


def test_cheshire_and_merseyside_figures_in_the_readme():
    """The England example: the defaults follow the option, and the quoted split is the computed one."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the modelled-PCN caveat
        result = placegeo.compare([ROOT / "docs" / "examples" / "cheshire-merseyside" / "councils-2024.yaml"])
    results = result.options[0].results
    assert list(results) == ["england/ctyua24", "england/lad24", "england/ccg21", "england/sicbl24", "england/pcn"]
    assert results["england/ctyua24"].coterminous_places == 9 and not results["england/ctyua24"].split_units
    for layer in ("england/ccg21", "england/sicbl24"):
        assert results[layer].coterminous_places == 7
        (unit,) = results[layer].split_units
        assert [round(s * 100) for s in unit.parts.values()] == [53, 47]
        assert f"{round(unit.moving['population']):,} people" in README
    assert "9/9 coterminous with the councils" in README
    assert "53 % Cheshire East / 47 % Cheshire West and Chester" in README


def _run(argv: list[str]) -> str:
    """``placegeo ARGV`` run in the repository as a user would, stdout as text."""
    import contextlib
    import io
    import os

    from placegeo.cli import run

    out = io.StringIO()
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert run(argv) == 0
    finally:
        os.chdir(previous)
    return out.getvalue()


def test_make_demo_prints_the_figures_the_readme_says_it_prints():
    """The README says `make demo` prints the district and CCG splits: run the Makefile's own command."""
    import re
    import shlex

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^demo:.*?\n((?:\t.*\n)+)", makefile, re.M).group(1).replace("\\\n", " ")
    compare = next(line for line in recipe.splitlines() if "placegeo compare" in line)
    words = " ".join(_run(shlex.split(compare.split("placegeo", 1)[1])).split())  # as one line, unwrapped
    assert "Ribble Valley: 81 % Pennine Lancashire / 19 % Central Lancashire, 11,900 people move" in words
    assert "NHS Morecambe Bay CCG: 51 % South Cumbria / 44 % Lancashire / 4 % outside" in words
    assert '"11,900 people move"' in README and "Morecambe Bay CCG 51 % / 44 %" in README


def test_the_readme_says_where_placegeo_prints_the_people_outside_the_four_places():
    import json
    import shlex

    command = "placegeo compare data/options/lsc-four-places-2022.yaml --against icb --format json"
    assert f"`{command}`" in README
    doc = json.loads(_run(shlex.split(command)[1:]))
    (icb,) = doc["options"][0]["layers"]["icb"]["outside_footprint"]
    assert f"LSOAs, {round(icb['population']):,} people, outside every place" in README
