"""Printing or writing a pandas table for the CLI: rich table, CSV or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("text", "csv", "json")  # "text" is the table for people ("table" is its old name)
SUMMARY_ABOVE = 200
"""A text table longer than this is summarised: its first rows, how many more, and where to get them all."""
SUMMARY_ROWS = 20


def emit_table(table: pd.DataFrame, *, out: Path | None, format: str | None, force: bool, title: str) -> None:
    """Write ``table`` to ``out`` (format from the suffix) or print it (``text``, a table for people, by default)."""
    import typer

    from placegeo.errors import UsageError

    format = "text" if format == "table" else format
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown --format '{format}'", hint="use text, csv or json")
    if out is not None:
        from placegeo.io import write_text

        fmt = format or ("json" if Path(out).suffix.lower() == ".json" else "csv")
        if fmt == "text":
            raise UsageError("--format text cannot be written to a file", hint="use csv or json")
        write_text(out, _text(table, fmt), force=force)
        typer.echo(f"wrote {len(table)} rows to {out}", err=True)
        return
    fmt = format or "text"
    if fmt != "text":
        typer.echo(_text(table, fmt), nl=False)
        return
    from rich.table import Table

    from placegeo.render.fit import render, table_or_records, terminal_width, wrap

    shown = table if len(table) <= SUMMARY_ABOVE else table.head(SUMMARY_ROWS)
    headers = [str(column) for column in table.columns]
    rows = [[_cell(v) for v in row] for row in shown.itertuples(index=False)]
    rich_table = Table(title=title)
    for column in table.columns:
        rich_table.add_column(str(column), justify="right" if table[column].dtype.kind in "fi" else "left")
    for row in rows:
        rich_table.add_row(*row)
    width = terminal_width()  # a table wider than the terminal is printed a row at a time (no number cut)
    typer.echo(render(table_or_records(rich_table, headers, rows, width=width, title=title), width), nl=False)
    if len(shown) < len(table):
        typer.echo(wrap(f"first {len(shown)} of {len(table):,} rows; all of them with --format csv, --format json "
                        "or --out FILE", width))


def _text(table: pd.DataFrame, fmt: str) -> str:
    if fmt == "json":
        return table.to_json(orient="records", indent=2, force_ascii=False) + "\n"
    from placegeo.io import csv_text

    return csv_text(table)


def _cell(value) -> str:
    if isinstance(value, float):
        if value != value:
            return "–"
        return f"{value:,.4f}" if abs(value) < 10 else f"{value:,.0f}"
    return str(value)
