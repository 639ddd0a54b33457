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
    assert sorted(round(s * 100) for s in unit.parts.values()) == [46, 54]
    assert "Morecambe Bay CCG 54 % / 46 %" in README


def test_people_outside_the_four_places_in_the_readme():
    lsoa = load_layer("lsoa11").frame
    outside = lsoa[(lsoa.ICB22CD == "E54000048") & lsoa.LAD21CD.isin(["E07000029", "E07000163"])]
    assert f"LSOAs, {int(outside.POP2020.sum()):,} people, outside every place" in README
