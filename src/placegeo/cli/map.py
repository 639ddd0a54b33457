"""`placegeo map`: board-paper maps of one option, or several side by side."""

from __future__ import annotations

from pathlib import Path

import typer

from placegeo.cli.app import app
from placegeo.cli.common import MapFormat, Paper, PlacegeoCommand, drawing_imports, finite, warn


@app.command("map", cls=PlacegeoCommand)
def map_command(
    options: list[Path] = typer.Argument(..., metavar="OPTION...", help="Option file(s) (YAML/TOML or polygons)."),
    overlay: list[str] = typer.Option([], "--overlay", metavar="LAYER",
                                      help="Draw a layer's outlines over the places (bundled id or file); repeat it, "
                                           "or give a comma list."),
    highlight_splits: str | None = typer.Option(None, "--highlight-splits", metavar="LAYER",
                                                help="Hatch the units of LAYER the option splits, labelled with "
                                                     "their shares."),
    labels: bool = typer.Option(True, "--labels/--no-labels", help="Name the places on the map."),
    practices: bool = typer.Option(False, "--show-practices", help="Show GP practices (the bundled 'practices') as "
                                                                   "points."),
    paper: Paper = typer.Option(Paper.a4_landscape, "--paper", help="Page size."),
    format: MapFormat | None = typer.Option(None, "--format",
                                            help="Output format (default: from the --out suffix, else png)."),
    dpi: int = typer.Option(200, "--dpi", metavar="DPI", help="Resolution of PNG output (dots per inch)."),
    title: str | None = typer.Option(None, "--title", metavar="TEXT", help="Map title (default: the option's name)."),
    subtitle: str | None = typer.Option(None, "--subtitle", metavar="TEXT",
                                        help="Subtitle (default: geography and vintage)."),
    attribution: str | None = typer.Option(None, "--attribution", metavar="TEXT",
                                           help="Licence line for your own boundary files (printed at the foot)."),
    tol: float | None = typer.Option(None, "--tol", metavar="SHARE", callback=finite,
                                     help="Split tolerance as a share (default 0.01 = 1 %)."),
    population: str | None = typer.Option(None, "--population", metavar="LAYER",
                                          help="Small-area population layer for split shares (default: as compare, "
                                               "following the layers: lsoa11 for L&SC, england/lsoa21 for England)."),
    shade: str | None = typer.Option(None, "--shade", metavar="WHAT",
                                     help="Shade the small areas under the place outlines: imd (IMD deciles, 1 = "
                                          "most deprived), age65 (share aged 65+) or population-density."),
    side_by_side: bool = typer.Option(False, "--side-by-side",
                                      help="Put several options on one page, at one scale, with one legend."),
    out: Path | None = typer.Option(None, "--out", "-o", metavar="FILE",
                                    help="Output file (default: OPTION-NAME.FORMAT here)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file."),
) -> None:
    """Draw a map of an option for a board paper: places, overlays, split units, legend, scale, attribution."""
    from placegeo.errors import UsageError
    from placegeo.io import safe_filename
    from placegeo.render.maps import save_map
    from placegeo.render.pages import format_for
    from placegeo.tasks import map_options

    if len(options) > 1 and not side_by_side:
        raise UsageError(f"{len(options)} options given", hint="add --side-by-side to put them on one page, "
                                                               "or map one at a time")
    fmt = format_for(out, format)
    if out is None:
        stem = "-vs-".join(safe_filename(p.stem) for p in options)
        out = Path(f"{stem}.{fmt}")
    from placegeo.io import refuse_overwrite

    refuse_overwrite([out], force)  # an output that exists or cannot be written is found before the drawing
    drawing_imports()
    fig = map_options(options, overlays=overlay, highlight_splits=highlight_splits, labels=labels,
                      practices=practices, paper=paper, title=title, subtitle=subtitle, attribution=attribution,
                      tol=tol, population=population, warn=warn, shade=shade)
    written = save_map(fig, out, fmt=fmt, dpi=dpi, force=force)
    typer.echo(f"wrote {written}")
