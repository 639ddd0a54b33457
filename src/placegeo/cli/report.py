"""`placegeo report`: a complete coterminosity report (HTML, XLSX, Markdown, CSV, JSON) in one directory."""

from __future__ import annotations

from pathlib import Path

import typer

from placegeo.cli.app import app
from placegeo.cli.compare import MultiValueCommand, warn


@app.command("report", cls=MultiValueCommand)
def report_command(
    options: list[str] = typer.Argument(..., metavar="OPTION...", help="Option files (YAML/TOML or a polygon file)."),
    against: list[str] = typer.Option(None, "--against", metavar="LAYER...",
                                      help="Reference layers (bundled ids or files); default: lad21 ccg21 ctyua21."),
    weight: str = typer.Option("both", "--weight", help="area, population or both."),
    tol: float = typer.Option(0.01, "--tol", help="Whole / split and coterminous tolerance (a share: 0.01 = 1 %)."),
    snap: float = typer.Option(50.0, "--snap", metavar="M", help="Boundary match distance in metres."),
    population: str = typer.Option(None, "--population", metavar="LAYER",
                                   help="Small-area population layer (default: follows the layers, lsoa11 for L&SC, "
                                        "england/lsoa21 for England)."),
    place_max: float = typer.Option(500_000, "--place-max", help="Guidance band: most people in a place."),
    out: Path = typer.Option(Path("report"), "--out", metavar="DIR", help="Directory to write the report into."),
    formats: str = typer.Option("html,xlsx,md,csv,json", "--formats",
                                help="Comma-separated: html, xlsx, md, csv, json."),
    no_maps: bool = typer.Option(False, "--no-maps", help="Leave the maps out of the HTML report (faster)."),
    force: bool = typer.Option(False, "--force", help="Replace report files in --out that exist."),
) -> None:
    """Write a coterminosity report: summary, scorecard, maps, places, split units, overlaps, methods, sources."""
    from placegeo.comparison import DEFAULT_AGAINST, compare
    from placegeo.io import refuse_overwrite
    from placegeo.metrics import PLACE_BAND, Band
    from placegeo.options import load_option
    from placegeo.render.report import output_names, parse_formats, write_report

    wanted = parse_formats(formats)
    refuse_overwrite([out / n for n in output_names(wanted)], force)  # before any work
    loaded = [load_option(o) for o in options]
    comparison = compare(loaded, against or DEFAULT_AGAINST, weight=weight, tol=tol, snap=snap,
                         population=population, place_band=Band(PLACE_BAND.name, None, place_max), warn=warn)
    written = write_report(comparison, out, formats=wanted, force=force, options=loaded, maps=not no_maps)
    for path in written:
        typer.echo(str(path))
