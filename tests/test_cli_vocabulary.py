"""One CLI vocabulary: --format, --out, --weight, --practices, choices in --help, and options before arguments.

Each test runs the real commands on the bundled L&SC data and checks the numbers against a pandas count over
the official LSOA lookup (lsoa11 carries each LSOA's district, CCG and population), or checks that the old and
new spellings of a command line give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from typer.core import TyperOption

from placegeo.cli.app import app
from placegeo.cli.common import normalise_args
from placegeo.errors import UsageError
from placegeo.layers import load_layer

OPTIONS = Path(__file__).resolve().parent.parent / "data" / "options"
FIVE = OPTIONS / "lsc-five-partnerships-2019.yaml"
COMMAND = typer.main.get_command(app)


def _commands(group=COMMAND, prefix=()):
    for name, command in sorted(getattr(group, "commands", {}).items()):
        yield (*prefix, name), command
        yield from _commands(command, (*prefix, name))


ALL = [((), COMMAND), *_commands()]


def _scorecard(stdout: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(stdout)))


@pytest.fixture(scope="module")
def five_against_lad21():
    """Units of lad21 meeting the five partnerships and those split, counted over the LSOAs with pandas."""
    lsoa = load_layer("lsoa11").frame
    import yaml

    option = yaml.safe_load(FIVE.read_text(encoding="utf-8"))
    ccgs = load_layer("ccg21").frame
    by_name = dict(zip(ccgs.CCG21NM.str.casefold(), ccgs.CCG21CD, strict=True))
    place_of = {by_name.get(str(b).casefold(), b): p["name"] for p in option["places"] for b in p["blocks"]}
    lsoa = lsoa.assign(place=lsoa.CCG21CD.map(place_of)).dropna(subset=["place"])
    lsoa = lsoa.assign(area=lsoa.area)
    shares = lsoa.groupby(["LAD21CD", "place"]).area.sum() / lsoa.groupby("LAD21CD").area.sum()
    split = (shares.groupby(level=0).max() < 0.99).sum()
    return {"units": lsoa.LAD21CD.nunique(), "split_units": int(split)}


# --- options before or after the arguments ---------------------------------------------------------------------

def test_against_before_the_option_file_works(run_cli, five_against_lad21):
    before = run_cli("compare", "--against", "lad21", "--weight", "area", FIVE, "--format", "csv")
    after = run_cli("compare", FIVE, "--against", "lad21", "--weight", "area", "--format", "csv")
    assert before.exit_code == 0, before.stderr
    assert before.stdout == after.stdout
    (row,) = _scorecard(before.stdout)
    assert int(row["lad21:units"]) == five_against_lad21["units"]
    assert int(row["lad21:split_units"]) == five_against_lad21["split_units"]


@pytest.mark.parametrize("spelling", [
    ["--against", "lad21", "--against", "ccg21", "{option}"],   # repeated, before the argument
    ["--against", "lad21,ccg21", "{option}"],                   # a comma list, before
    ["{option}", "--against", "lad21,ccg21"],                   # a comma list, after
    ["{option}", "--against=lad21", "--against=ccg21"],         # --opt=value
    ["{option}", "--against", "lad21", "ccg21"],                # the old form: every value up to the next option
])
def test_every_spelling_of_several_reference_layers_gives_the_same_scorecard(run_cli, spelling):
    argv = [str(FIVE) if a == "{option}" else a for a in spelling]
    result = run_cli("compare", *argv, "--weight", "area", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    (row,) = _scorecard(result.stdout)
    assert (row["lad21:units"] != "", row["ccg21:units"]) == (True, str(len(load_layer("ccg21").codes)))
    assert row["ccg21:coterminosity_area"] == "1.0"  # the partnerships are built from the CCGs


def test_against_before_the_arguments_takes_one_value(run_cli, tmp_path):
    """Before the arguments, --against takes one value: the next word is an option file, said plainly."""
    result = run_cli("compare", "--against", "lad21", "ccg21", FIVE)
    assert result.exit_code == 2
    assert result.stderr.strip() == "placegeo: error: ccg21: no such option file"


def test_options_before_arguments_in_every_command(run_cli, tmp_path):
    out = tmp_path / "overlap.csv"
    result = run_cli("overlap", "--weight", "area", "-o", out, "ccg21", "ctyua21")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(out.open()))
    ccg = load_layer("ccg21").frame
    assert sum(float(r["area_m2"]) for r in rows) == pytest.approx(ccg.area.sum(), rel=1e-6)


# --- --format: one name for the human format --------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["compare", str(FIVE), "--against", "ccg21", "--weight", "area"],
    ["overlap", "ccg21", "ctyua21", "--weight", "area"],
    ["layers"],
    ["layers", "show", "lad21"],
    ["validate", "lad21"],
])
def test_text_is_the_human_format_everywhere_and_table_still_works(run_cli, argv):
    default = run_cli(*argv)
    text = run_cli(*argv, "--format", "text")
    table = run_cli(*argv, "--format", "table")
    assert default.exit_code == text.exit_code == table.exit_code == 0, (text.stderr, table.stderr)
    assert default.stdout == text.stdout == table.stdout != ""


def test_every_format_option_names_text_as_its_human_format():
    for path, command in ALL:
        for param in command.params:
            if "--format" in getattr(param, "opts", []) and path not in (("map",), ("report",)):
                assert param.metavar.split("|")[0] == "text", path


def test_report_format_is_repeatable_a_comma_list_or_the_old_formats(run_cli, tmp_path):
    written = {}
    for name, argv in {"repeated": ["--format", "md", "--format", "csv"], "comma": ["--format", "md,csv"],
                       "old": ["--formats", "md,csv"]}.items():
        out = tmp_path / name
        result = run_cli("report", FIVE, "--against", "ccg21", "--weight", "area", "--no-maps", "-o", out, *argv)
        assert result.exit_code == 0, result.stderr
        written[name] = sorted(p.name for p in out.iterdir())
    assert written["repeated"] == written["comma"] == written["old"]
    assert "report.md" in written["comma"] and not any(n.endswith((".html", ".xlsx")) for n in written["comma"])
    scorecard = next(p for p in (tmp_path / "comma").iterdir() if p.name == "scorecard.csv")
    (row,) = _scorecard(scorecard.read_text(encoding="utf-8"))
    assert int(row["ccg21:units"]) == len(load_layer("ccg21").codes)


# --- --weight: one vocabulary, one default -----------------------------------------------------------------------

def test_weight_has_one_vocabulary_and_one_default():
    seen = {}
    for path, command in ALL:
        for param in command.params:
            if "--weight" in getattr(param, "opts", []):
                seen[path] = (param.metavar, str(param.default))
    assert seen == {(c,): ("area|population|both", "both") for c in ("bestfit", "compare", "overlap", "report")}


def test_overlap_weighs_both_by_default(run_cli):
    """Default now both: the population column is there, and it adds up to the LSOAs' population."""
    result = run_cli("overlap", "lad21", "ccg21", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    in_ccgs = load_layer("lsoa11").frame.dropna(subset=["CCG21CD"])  # the districts reach beyond the CCGs
    assert sum(r["population"] for r in rows) == pytest.approx(float(in_ccgs.POP2020.sum()), rel=1e-9)
    assert sum(r["area_m2"] for r in rows) == pytest.approx(float(in_ccgs.area.sum()), rel=1e-6)


def test_bestfit_both_decides_by_population(run_cli):
    both = run_cli("bestfit", "ccg21", "ctyua21", "--format", "csv")
    population = run_cli("bestfit", "ccg21", "ctyua21", "--weight", "population", "--format", "csv")
    assert both.exit_code == 0, both.stderr
    assert both.stdout == population.stdout
    total = sum(float(r["weight"]) for r in csv.DictReader(io.StringIO(both.stdout)))
    in_ccgs = load_layer("lsoa11").frame.dropna(subset=["CCG21CD"])
    assert total == pytest.approx(float(in_ccgs.POP2020.sum()), rel=1e-6)


# --- --practices, renamed spellings, choices ---------------------------------------------------------------------

def _params(*path):
    command = COMMAND
    for name in path:
        command = command.commands[name]
    return command.params


def test_practices_means_the_practice_locations_and_old_spellings_still_parse():
    assert normalise_args(["a.yaml", "--practices"], _params("map")) == ["a.yaml", "--show-practices"]
    assert normalise_args(["--weight", "gravity"], _params("pcn", "build")) == ["--practice-weight", "gravity"]
    assert normalise_args(["--practices", "p.csv"], _params("pcn", "build")) == ["--practices", "p.csv"]
    assert normalise_args(["a.yaml", "--formats", "md,csv"], _params("report")) == [
        "a.yaml", "--format", "md", "--format", "csv"]


def test_a_value_that_is_not_a_choice_is_one_line(run_cli):
    result = run_cli("compare", FIVE, "--format", "yaml")
    assert result.exit_code == 2
    assert result.stderr.strip() == "placegeo: error: unknown --format 'yaml' (use text, csv or json)"
    with pytest.raises(UsageError, match=r"unknown --weight 'people' \(use area, population or both\)"):
        normalise_args(["x", "--weight", "people"], _params("overlap"))


def test_a_path_with_a_comma_is_not_split(tmp_path):
    odd = tmp_path / "a,b.gpkg"
    odd.write_text("", encoding="utf-8")
    assert normalise_args(["o.yaml", "--against", str(odd)], _params("compare")) == ["o.yaml", "--against", str(odd)]


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(("placegeo", *p)))
def test_help_is_readable(run_cli, path):
    """Choices are listed (a|b|c), every value has a metavar, and no Python type leaks into --help."""
    result = run_cli(*path, "--help")
    assert result.exit_code == 0
    assert "<" not in result.stdout and "{" not in result.stdout, result.stdout
    for param in dict(ALL)[path].params:
        if isinstance(param, TyperOption) and not param.is_flag and not param.hidden:
            assert param.metavar and param.metavar in result.stdout, (path, param.opts)


def test_out_has_the_short_form_o_everywhere():
    for path, command in ALL:
        for param in command.params:
            if "--out" in getattr(param, "opts", []):
                assert "-o" in param.opts, path
