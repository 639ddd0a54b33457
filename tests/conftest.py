"""Shared fixtures: the CLI runner and paths to the bundled and (optional) shared data."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
OPTIONS = DATA / "options"
_SHARED = [ROOT.parent / "shared" / "data" / "sources",  # beside /work/main
           ROOT.parent.parent / "shared" / "data" / "sources"]  # beside a worktree in /work/wt
SHARED_SOURCES = Path(os.environ.get("PLACEGEO_SHARED") or next((p for p in _SHARED if p.exists()), _SHARED[0]))


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys):
    """Run `placegeo ARGS...` in-process through the same error mapping as the console script."""
    from placegeo.cli import run

    def _run(*args: str) -> Result:
        capsys.readouterr()
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


@pytest.fixture(scope="session")
def shared_sources() -> Path:
    """../shared/data/sources, for cross-checks against the raw published files (skipped when absent)."""
    if not SHARED_SOURCES.exists():
        pytest.skip(f"raw sources not found at {SHARED_SOURCES}")
    return SHARED_SOURCES
