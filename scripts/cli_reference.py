"""Write docs/cli.md, the CLI reference, from the Typer app itself (so it cannot drift).

Run `python scripts/cli_reference.py` after changing a command; tests/test_cli_docs.py fails when
docs/cli.md is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"


def _walk(group, prefix=()):
    for name, command in sorted(getattr(group, "commands", {}).items()):
        path = (*prefix, name)
        yield path, command
        yield from _walk(command, path)


def render() -> str:
    """The Markdown reference: one section per command with its --help text."""
    import typer
    from typer.testing import CliRunner

    from placegeo.cli.app import app

    runner = CliRunner()
    lines = ["# CLI reference", ""]
    lines += ["Generated from the Typer app by `python scripts/cli_reference.py`; do not edit.", ""]
    lines += ["Exit codes: 0 ok, 1 findings or failed checks, 2 bad input or usage, 3 internal error.", ""]
    for path, _command in [((), None), *_walk(typer.main.get_command(app))]:
        result = runner.invoke(app, [*path, "--help"], prog_name="placegeo", terminal_width=100, color=False)
        lines += [f"## {' '.join(('placegeo', *path))}", "", "```text", result.output.rstrip(), "```", ""]
    return "\n".join(lines)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        return 0 if TARGET.exists() and TARGET.read_text(encoding="utf-8") == text else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
