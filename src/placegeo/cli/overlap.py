"""`placegeo overlap A B`: the overlap of two layers as a long-format table."""

from __future__ import annotations

import typer

from placegeo.cli.app import app
from placegeo.cli.common import Force, Format, OutFile, PlacegeoCommand, Population, Weight, WeightOption


@app.command("overlap", cls=PlacegeoCommand)
def overlap_command(
    a: str = typer.Argument(..., metavar="A", help="A layer: bundled id or boundary file."),
    b: str = typer.Argument(..., metavar="B", help="Another layer: bundled id or boundary file."),
    weight: WeightOption = Weight.both,
    population: Population = None,
    out: OutFile = None,
    format: Format = None,
    force: Force = False,
) -> None:
    """Tabulate how much of each unit of A lies in each unit of B (exact, EPSG:27700)."""
    from placegeo.api import overlap
    from placegeo.cli.tables import emit_table

    if out is not None:
        from placegeo.io import refuse_overwrite

        refuse_overwrite([out], force)
    table = overlap(a, b, weight=weight, population=population)
    emit_table(table, out=out, format=format, force=force, title=f"Overlap of {a} and {b}")
