"""docs/getting-started.md is a session that this test replays: every command in it runs, and prints what
the page shows.

Each ```console block holds commands (``$ placegeo ...``, continued by a trailing ``\\``) and what they print
in an 80-column terminal. The command is run in the repository (``COLUMNS=80``), and the lines shown must be
the lines printed, in order and next to each other; a ``...`` line stands for lines left out. Warnings on
stderr come first, as on a terminal. The time a check took (``· 0.8 s``) is the one thing allowed to differ.
The figures the prose quotes (``11,900``, ``51 %``) must each be printed by one of the commands.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "getting-started.md"
TEXT = PAGE.read_text(encoding="utf-8")
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
FENCED = re.compile(r"^```.*?^```", re.S | re.M)
SECONDS = re.compile(r"\d+\.\d s$")
FIGURE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+ %")
SETUP = {"make demo", "make test", ". .venv/bin/activate"}  # the setup steps, in a ```sh block


def session() -> list[tuple[str, list[str]]]:
    """(command, lines shown after it) for every command of every ```console block, in page order."""
    out = []
    for block in CONSOLE.findall(TEXT):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            assert lines[i].startswith("$ "), f"a console block should start with a command: {lines[i]!r}"
            command = lines[i][2:]
            while command.endswith("\\"):
                i += 1
                command = command[:-1].rstrip() + " " + lines[i].strip()
            i += 1
            shown = []
            while i < len(lines) and not lines[i].startswith("$ "):
                shown.append(lines[i])
                i += 1
            out.append((command, shown))
    return out


COMMANDS = session()


def _normal(line: str) -> str:
    return SECONDS.sub("N s", line.rstrip())


def _matches(shown: list[str], printed: list[str]) -> str | None:
    """None when ``shown`` is ``printed`` with ``...`` lines standing for left-out runs; else what differs."""
    pieces: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == "...":
            pieces.append([])
        else:
            pieces[-1].append(_normal(line))
    printed = [_normal(line) for line in printed]
    at = 0
    for k, piece in enumerate(pieces):
        if not piece:
            continue
        anchored = k == 0  # no "..." before the first piece: it starts the output
        starts = [at] if anchored else [j for j in range(at, len(printed) - len(piece) + 1)
                                        if printed[j:j + len(piece)] == piece]
        if not starts or printed[starts[0]:starts[0] + len(piece)] != piece:
            return f"not printed as shown (from {piece[0]!r})"
        at = starts[0] + len(piece)
    if pieces[-1] and at != len(printed):
        return f"printed more after {pieces[-1][-1]!r}: {printed[at:at + 3]}"
    return None


@pytest.fixture(scope="module")
def printed():
    """Every command of the page, run once: command -> (exit code, stderr + stdout lines)."""
    import os

    from placegeo.cli import run

    results = {}
    previous, columns = Path.cwd(), os.environ.get("COLUMNS")
    os.chdir(ROOT)
    os.environ["COLUMNS"] = "80"
    try:
        import contextlib
        import io

        for command, _ in COMMANDS:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = run(shlex.split(command)[1:])
            results[command] = (code, err.getvalue().splitlines() + out.getvalue().splitlines())
    finally:
        os.chdir(previous)
        if columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns
    return results


def test_the_page_is_a_session_of_lsc_and_an_england_icb():
    commands = [c for c, _ in COMMANDS]
    assert len(commands) >= 5 and all(c.startswith("placegeo ") for c in commands)
    assert any("lsc-four-places-2022.yaml" in c for c in commands)
    assert any("england/" in c and c.startswith("placegeo compare") for c in commands)


def test_every_command_outside_the_session_is_a_setup_step():
    others = [line.split("#")[0].strip() for block in FENCED.findall(TEXT) if block.startswith("```sh")
              for line in block.splitlines()[1:-1] if line.strip()]
    assert set(others) <= SETUP, set(others) - SETUP


@pytest.mark.parametrize("index", range(len(COMMANDS)), ids=[c[:60] for c, _ in COMMANDS])
def test_the_command_prints_what_the_page_shows(index, printed):
    command, shown = COMMANDS[index]
    code, lines = printed[command]
    assert code in (0, 1), f"{command}: exit {code}\n" + "\n".join(lines)
    problem = _matches(shown, lines)
    assert problem is None, f"{command}: {problem}\nprinted:\n" + "\n".join(lines)


def test_every_figure_the_prose_quotes_is_printed(printed):
    prose = FENCED.sub("", TEXT)
    output = "\n".join(line for _, lines in printed.values() for line in lines)
    quoted = set(FIGURE.findall(prose))
    assert quoted, "the prose quotes no figure"
    missing = sorted(f for f in quoted if not re.search(rf"(?<![\d,]){re.escape(f)}(?![\d,])", output))
    assert not missing, f"figures in docs/getting-started.md that no command prints: {missing}"
