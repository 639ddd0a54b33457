"""Write docs/cli.md, the CLI reference, from the Typer app itself (so it cannot drift).

Run `python scripts/cli_reference.py` after changing a command; tests/test_cli_docs.py fails when
docs/cli.md is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"


CONVENTIONS = """\
## Conventions

Every command speaks one vocabulary:

- **`--format`** is the output format. The format for people is called `text` everywhere (the table of
  `compare`, `overlap`, `bestfit` and `layers`, the report of `validate`); `--format table`, its old name in
  some commands, still works. `report` writes several formats: repeat `--format` or give a comma list
  (`--format html,md`); its old spelling `--formats html,md` still works. `--help` lists every choice.
- **`--out`** (short `-o`) is where the result goes: a **directory** when the command writes several files
  (`compare`, `report`), a **file** when it writes one (`bestfit`, `overlap`, `map`, `validate`,
  `pcn build`); a file's format follows its suffix unless `--format` says otherwise. Nothing is replaced
  without `--force`.
- **`--weight`** is `area`, `population` or `both`, and `both` is the default, in `compare`, `report`,
  `overlap` and `bestfit`. Where one weight must decide (whole or split units; `bestfit`'s choice),
  population decides. `pcn build --weight` was another thing (how the nearest practice is weighed): it is
  now `--practice-weight` (the old spelling still works).
- **`--practices`** is the practice locations (`pcn build`); `map` shows the bundled practices with
  `--show-practices` (its old `--practices` still works).
- **Options go before or after the arguments.** A multi-value option is repeated or given a comma list:
  `placegeo compare --against lad21 --against ccg21 OPTION.yaml`, or `--against lad21,ccg21`. After the
  arguments, `placegeo compare OPTION.yaml --against lad21 ccg21` also works: `--against` takes every value
  up to the next option (so put it last, or before the arguments, when you mean one layer).
- A value that is not one of the choices is one line and exit code 2: `unknown --format 'yaml' (use text,
  json, junit or github)`.
- **Narrow terminals.** Tables for people fit the terminal's width (`COLUMNS`, else the terminal's, else 80
  when the output is piped). A table too wide for it is transposed or stacked, never cut: `compare`'s
  scorecard becomes a column per option (or one small table per option), `validate` prints each finding on
  two lines, `layers` three lines a layer, and `overlap`, `profile` and `bestfit` a row at a time.
  `compare --wide` always prints the scorecard as one wide table (a row per option, a column per layer).
  For programs, use `--format csv` or `json`.
- **`--crs CRS`** says what CRS the input files that declare none are in (a Shapefile without its `.prj`),
  for every command that reads files; a file's own CRS is kept. Give it before the command or after it
  (`placegeo compare OPTION.yaml --against districts.shp --crs EPSG:27700`). In an option file the same is
  the `crs:` key, for its `blocks:` or drawn `file:` ([options.md](options.md)).
- **Progress.** Work that lasts over about a second (reading layers, weighing, checking, drawing, placing
  labels, writing) shows a progress line on standard error, and only when standard error is a terminal;
  the line is cleared when the phase ends. Piped or redirected output, and `--format json`, never carry
  it. `--quiet` (`-q`, before or after the command) turns it off. The library itself shows nothing: it
  names its phases (`placegeo.progress.phase`) and a caller may install a reporter
  (`placegeo.progress.reporting`), as the CLI does with rich.
"""


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
    lines += [CONVENTIONS]
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
