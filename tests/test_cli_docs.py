"""Every command has help text and is documented (the sqlite-utils way)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from placegeo.cli.app import app

ROOT = Path(__file__).resolve().parent.parent


def _commands(group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(getattr(group, "commands", {}).items()):
        path = (*prefix, name)
        yield path, command
        yield from _commands(command, path)


COMMANDS = list(_commands(typer.main.get_command(app)))
# the generated reference (docs/cli.md) does not count: a command needs prose in README.md or a how-to
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
                 if p.name != "cli.md")


def test_the_app_has_commands():
    assert len(COMMANDS) >= 2


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_command_has_help_text(path):
    command = dict(COMMANDS)[path]
    assert (command.help or command.short_help or "").strip(), f"placegeo {' '.join(path)} has no help"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_command_is_documented(path):
    assert f"placegeo {' '.join(path)}" in DOCS, f"`placegeo {' '.join(path)}` is not in README.md or docs/"


def test_cli_reference_is_regenerated_from_the_app():
    import subprocess
    import sys

    check = subprocess.run([sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"])
    assert check.returncode == 0, "docs/cli.md is stale: run python scripts/cli_reference.py"
