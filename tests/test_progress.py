"""Progress on long work: on a terminal's standard error only; never with --quiet, in a pipe or in the JSON.

The command is `placegeo validate england/lsoa21`: its coverage checks of 33,755 LSOAs last over the one
second after which a phase is shown, on any machine. Standard error is a pseudo-terminal (the pty module)
or a pipe; standard output is always a pipe and must parse as JSON.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading

import pytest

COMMAND = [sys.executable, "-m", "placegeo", "validate", "england/lsoa21", "--format", "json"]
LSOAS = 33_755  # LSOAs in England, Census 2021 (ONS)


def _run(args: list[str], *, terminal: bool) -> tuple[str, str]:
    """(stdout, stderr) of ``args``, stderr a pseudo-terminal when ``terminal``."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    if not terminal:
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
        return done.stdout, done.stderr
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # the terminal closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    out, _ = child.communicate(timeout=600)
    reader.join(timeout=10)
    os.close(master)
    return out.decode(), b"".join(chunks).decode(errors="replace")


def _features(stdout: str) -> int:
    return json.loads(stdout)["files"][0]["summary"]["features"]


@pytest.fixture(scope="module")
def on_terminal() -> tuple[str, str]:
    return _run(COMMAND, terminal=True)


def test_a_terminal_shows_the_phase_on_standard_error(on_terminal):
    out, err = on_terminal
    assert f"checking england/lsoa21 ({LSOAS:,} features)" in err
    assert _features(out) == LSOAS  # standard output is the JSON alone


def test_quiet_shows_nothing_on_a_terminal():
    out, err = _run([*COMMAND, "--quiet"], terminal=True)
    assert err == ""
    assert _features(out) == LSOAS


def test_a_pipe_gets_no_progress():
    out, err = _run(COMMAND, terminal=False)
    assert err == ""
    assert _features(out) == LSOAS


def test_the_library_shows_nothing_without_a_reporter():
    """The library only names its phases; with no reporter installed, a phase is free and silent."""
    from placegeo.progress import phase

    with phase("weighing", total=2) as step:
        step()
        step()


def test_a_reporter_sees_every_phase_of_a_map():
    """The map's phases reach an installed reporter, labels counted one by one (one per place)."""
    from placegeo.progress import reporting
    from placegeo.tasks import map_options
    from tests.conftest import OPTIONS

    seen: dict[int, list] = {}

    class Record:
        def begin(self, label, total):
            seen[len(seen)] = [label, total, 0]
            return len(seen) - 1

        def advance(self, handle, steps):
            seen[handle][2] += steps

        def end(self, handle):
            pass

    with reporting(Record()):
        map_options([OPTIONS / "lsc-four-places-2022.yaml"])
    labels = [v for v in seen.values() if v[0].startswith("placing")]
    assert labels == [["placing 4 labels", 4, 4]]  # Lancashire, Blackpool, Blackburn with Darwen, South Cumbria
    assert any(v[0].startswith("drawing Four council places") for v in seen.values())
