"""`placegeo report`: a complete coterminosity report (HTML, XLSX, Markdown, CSV, JSON) in one directory."""

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
    ReportFormat,
    Snap,
    Subunits,
    Tol,
    Weight,
    WeightOption,
    drawing_imports,
    guidance_bands,
    warn,
)


@app.command("report", cls=PlacegeoCommand)
def report_command(
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
    out: Path = typer.Option(Path("report"), "--out", "-o", metavar="DIR", help="Directory to write the report into."),
    formats: list[ReportFormat] = typer.Option(list(ReportFormat), "--format",
                                               help="Formats to write: repeat it, or give a comma list "
                                                    "(html,md)."),
    no_maps: bool = typer.Option(False, "--no-maps", help="Leave the maps out of the HTML report (faster)."),
    force: Force = False,
) -> None:
    """Write a coterminosity report: summary, scorecard, maps, places, split units, overlaps, methods, sources."""
    from placegeo.tasks import report

    place_band, neighbourhood_band = guidance_bands(place_max, neighbourhood_min, neighbourhood_max)
    if not no_maps and "html" in formats:
        drawing_imports()
    written = report(options, against or None, out, formats=[str(f) for f in formats], weight=weight, tol=tol,
                     snap=snap, population=population, place_band=place_band, neighbourhood_band=neighbourhood_band,
                     subunits=subunits, force=force, maps=not no_maps, warn=warn)
    for path in written:
        typer.echo(str(path))
