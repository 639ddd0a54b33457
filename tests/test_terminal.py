"""Narrow terminals: at 80 columns every table fits, and holds every figure of its wide form.

Each command is run twice through the CLI: at ``COLUMNS=80`` (a laptop terminal, and piped output) and in
its wide form (``compare --wide``; the others at a width where their table fits unwrapped). No line of the
narrow form may be longer than 80, and every number printed in the wide form must be printed in the narrow
form at least as often: stacking and transposing move figures, they never drop or cut one.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIVE = ROOT / "data" / "options" / "lsc-five-partnerships-2019.yaml"
FOUR = ROOT / "data" / "options" / "lsc-four-places-2022.yaml"
HNY = ROOT / "docs" / "examples" / "humber-north-yorkshire"
NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")
SECONDS = re.compile(r" · \d+\.\d s$", re.M)  # validate's timing differs from run to run


def _numbers(text: str) -> Counter[str]:
    return Counter(NUMBER.findall(SECONDS.sub("", text)))


def _run(run_cli, monkeypatch, columns: int, *args) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    result = run_cli(*args)
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


def _assert_narrow_holds_wide(narrow: str, wide: str) -> None:
    too_long = [line for line in narrow.splitlines() if len(line) > 80]
    assert not too_long, f"{len(too_long)} line(s) over 80 columns, e.g. {too_long[0]!r}"
    missing = _numbers(wide) - _numbers(narrow)
    assert not missing, f"figures of the wide form missing at 80 columns: {dict(missing)}"
    assert max(len(line) for line in wide.splitlines()) > 80  # the premise: the wide form does not fit


@pytest.fixture
def overlapping_districts(tmp_path):
    """The L&SC districts with Preston grown by 100 m, so that it overlaps its neighbours."""
    from placegeo.layers import load_layer

    frame = load_layer("lad21").frame.copy()
    preston = frame.LAD21NM == "Preston"
    frame.loc[preston, "geometry"] = frame.loc[preston, "geometry"].buffer(100)
    path = tmp_path / "districts.gpkg"
    frame[["LAD21CD", "LAD21NM", "geometry"]].to_file(path, driver="GPKG")
    return path, frame


def test_compare_at_80_columns(run_cli, monkeypatch):
    args = ("compare", FIVE, FOUR, "--against", "lad21", "ctyua21", "ccg21", "pcn")
    narrow = _run(run_cli, monkeypatch, 80, *args)
    wide = _run(run_cli, monkeypatch, 80, *args, "--wide")
    _assert_narrow_holds_wide(narrow, wide)
    assert "split 2/18 (206,200 people)" in narrow  # a figure of the scorecard cells, whole
    assert wide.count("coterminous 4/4") == narrow.count("coterminous 4/4") == 2


def test_compare_of_an_england_icb_at_80_columns(run_cli, monkeypatch):
    args = ("compare", HNY / "councils-2024.yaml", HNY / "four-partnerships-2021.yaml",
            "--against", "england/lad24", "england/ctyua24", "england/sicbl24")
    narrow = _run(run_cli, monkeypatch, 80, *args)
    _assert_narrow_holds_wide(narrow, _run(run_cli, monkeypatch, 80, *args, "--wide"))
    assert "1,754,100" in narrow and "split 1/8 (360,300 people)" in narrow


def test_compare_picks_the_wide_table_when_it_fits(run_cli, monkeypatch):
    args = ("compare", FIVE, FOUR, "--against", "lad21")
    assert _run(run_cli, monkeypatch, 200, *args) == _run(run_cli, monkeypatch, 200, *args, "--wide")


def test_validate_at_80_columns(run_cli, monkeypatch, overlapping_districts):
    path, frame = overlapping_districts
    narrow = _run(run_cli, monkeypatch, 80, "validate", path)
    wide = _run(run_cli, monkeypatch, 200, "validate", path)
    _assert_narrow_holds_wide(narrow, wide)
    assert "┃" in wide and "┃" not in narrow  # a table when it fits; two lines a finding when it does not


def test_validate_names_units_by_name_and_code(run_cli, monkeypatch, overlapping_districts):
    import shapely

    path, frame = overlapping_districts
    text = _run(run_cli, monkeypatch, 200, "validate", path)
    preston = frame.geometry[frame.LAD21NM == "Preston"].iloc[0]
    south_ribble = frame.geometry[frame.LAD21NM == "South Ribble"].iloc[0]
    area = shapely.intersection(preston, south_ribble).area  # computed here, not by placegeo
    first, second = sorted([("Preston", "E07000123"), ("South Ribble", "E07000126")], key=lambda u: u[1])
    assert f"{first[0]} ({first[1]}) overlaps {second[0]} ({second[1]}) by {area / 1e6:,.3f} km²" in text


def test_layers_at_80_columns(run_cli, monkeypatch):
    narrow = _run(run_cli, monkeypatch, 80, "layers")
    _assert_narrow_holds_wide(narrow, _run(run_cli, monkeypatch, 250, "layers"))
    assert "england/lsoa21 · 33,755 features · published · population POP2021" in narrow


def test_layers_show_at_80_columns(run_cli, monkeypatch):
    narrow = _run(run_cli, monkeypatch, 80, "layers", "show", "england/lad24")
    wide = _run(run_cli, monkeypatch, 250, "layers", "show", "england/lad24")
    assert all(len(line) <= 80 for line in narrow.splitlines())
    assert not _numbers(wide.replace("\n", " ")) - _numbers(narrow.replace("\n", " "))


@pytest.mark.parametrize("args, rows", [(("overlap", "lad21", "ccg21"), 21), (("profile", "ccg21"), 8),
                                        (("bestfit", "lad21", "ccg21"), 8)], ids=["overlap", "profile", "bestfit"])
def test_tables_at_80_columns_print_a_row_at_a_time(run_cli, monkeypatch, args, rows):
    narrow = _run(run_cli, monkeypatch, 80, *args)
    wide = _run(run_cli, monkeypatch, 250, *args)
    _assert_narrow_holds_wide(narrow, wide)
    assert f"row {rows} of {rows}" in narrow and f"row {rows + 1} " not in narrow


def test_compare_of_three_options_stacks_a_table_per_option(run_cli, monkeypatch):
    args = ("compare", FIVE, FOUR, f"{FOUR}#Lancashire", "--against", "lad21", "ccg21")
    narrow = _run(run_cli, monkeypatch, 80, *args)
    _assert_narrow_holds_wide(narrow, _run(run_cli, monkeypatch, 80, *args, "--wide"))
    assert narrow.count("│ places ") == 3  # one small table per option
