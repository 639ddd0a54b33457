"""`placegeo compare`: options side by side against reference layers."""

from __future__ import annotations

from pathlib import Path

import typer

from placegeo import defaults
from placegeo.cli.app import app
from placegeo.cli.common import (
    Against,
    Force,
    NeighbourhoodMax,
    NeighbourhoodMin,
    Options,
    PlacegeoCommand,
    PlaceMax,
    Population,
    Snap,
    Subunits,
    TableFormat,
    Tol,
    Weight,
    WeightOption,
    guidance_bands,
    warn,
)


@app.command("compare", cls=PlacegeoCommand)
def compare_command(
    options: Options,
    against: Against = None,
    weight: WeightOption = Weight.both,
    tol: Tol = defaults.TOL,
    snap: Snap = defaults.SNAP,
    population: Population = None,
    place_max: PlaceMax = defaults.PLACE_MAX,
    neighbourhood_min: NeighbourhoodMin = defaults.NEIGHBOURHOOD_MIN,
    neighbourhood_max: NeighbourhoodMax = defaults.NEIGHBOURHOOD_MAX,
    subunits: Subunits = False,
    out: Path = typer.Option(None, "--out", "-o", metavar="DIR",
                             help="Write scorecard.csv, splits.csv, places.csv, overlap.csv, comparison.json and "
                                  "each option's places as GeoPackage here."),
    format: TableFormat = typer.Option(TableFormat.text, "--format",
                                       help="How to print the scorecard: text (for people), csv or json."),
    allow_overlaps: bool = typer.Option(False, "--allow-overlaps",
                                        help="Take a reference file whose units overlap or leave gaps wider than "
                                             "--snap (refused otherwise), with a warning: its shares no longer "
                                             "sum to one."),
    wide: bool = typer.Option(False, "--wide",
                              help="Print the scorecard as one wide table (a row per option, a column per layer), "
                                   "however narrow the terminal; by default it is transposed or stacked to fit."),
    force: Force = False,
) -> None:
    """Compare place options with reference layers: coterminosity, split units, coterminous places."""
    from placegeo.api import compare

    place_band, neighbourhood_band = guidance_bands(place_max, neighbourhood_min, neighbourhood_max)
    if out is not None:
        from placegeo.compare_output import check_outputs

        check_outputs(out, force)
    comparison = compare(options, against or None, weight=weight, tol=tol, snap=snap,
                         population=population, place_band=place_band, neighbourhood_band=neighbourhood_band,
                         subunits=subunits, allow_overlaps=allow_overlaps, warn=warn)
    if out is not None:
        from placegeo.compare_output import write_outputs

        written = write_outputs(comparison, out, force=force)
        typer.echo(f"wrote {len(written)} files to {out}", err=True)
    if format == "json":
        typer.echo(comparison.to_json())
    elif format == "csv":
        from placegeo.io import csv_text

        typer.echo(csv_text(comparison.tables()["scorecard"]), nl=False)
    else:
        from placegeo.render.scorecard import render_scorecard

        typer.echo(render_scorecard(comparison, wide=wide), nl=False)
