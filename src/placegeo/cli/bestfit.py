"""`placegeo bestfit SMALL LARGE`: a best-fit lookup with the weight it misallocates."""

from __future__ import annotations

import typer

from placegeo.cli.app import app
from placegeo.cli.common import (
    BestFitMethod,
    Force,
    Format,
    OutFile,
    PlacegeoCommand,
    Population,
    Weight,
    WeightOption,
)


@app.command("bestfit", cls=PlacegeoCommand)
def bestfit_command(
    small: str = typer.Argument(..., metavar="SMALL", help="Small areas: bundled id or boundary file."),
    large: str = typer.Argument(..., metavar="LARGE", help="Large areas: bundled id or boundary file."),
    method: BestFitMethod = typer.Option(BestFitMethod.majority, "--method",
                                         help="majority, or centroid (population-weighted)."),
    weight: WeightOption = Weight.both,
    population: Population = None,
    out: OutFile = None,
    format: Format = None,
    force: Force = False,
) -> None:
    """Give each small area to one large area; report the misallocated weight per large area."""
    from placegeo.cli.tables import emit_table
    from placegeo.lookup import bestfit

    weight = Weight.population if weight == Weight.both else weight  # one weight decides: population, as in compare
    if out is not None:
        from placegeo.io import refuse_overwrite

        refuse_overwrite([out], force)
    result = bestfit(small, large, method=method, weight=weight, population=population)
    if out is not None:
        emit_table(result.lookup, out=out, format=format, force=force, title="lookup")
    emit_table(result.summary, out=None, format=None if out else format, force=force,
               title=f"Best fit ({method}, {weight}) of {small} in {large}: misallocation per large area")
