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
        found[key] = "<dir>" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
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
