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
