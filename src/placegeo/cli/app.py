"""The Typer application object that every command module registers on."""

from __future__ import annotations

import typer

from placegeo.cli.common import Engine, PlacegeoGroup

app = typer.Typer(
    name="placegeo",
    help=(
        "Coterminosity of NHS and council place boundaries: load boundary layers, build place options, "
        "compare them, map them, report on them and validate boundary data.\n\n"
        "Exit codes: 0 ok, 1 findings or failed checks, 2 bad input or usage, 3 internal error. "
        "Add --debug anywhere to see a traceback."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=PlacegeoGroup,
)


def version_callback(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"placegeo {version('placegeo')}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True,
                                 help="Show the version and exit."),
    engine: str = typer.Option(None, "--engine", metavar="|".join(Engine),  # resolve_engine says which are known
                               help="I/O engine for boundary files (fiona needs pip install 'placegeo[fiona]')."),
    repair: bool = typer.Option(False, "--repair",
                                help="Mend invalid geometries in input files with make_valid (and say how many) "
                                     "instead of refusing them."),
    csv_raw: bool = typer.Option(False, "--csv-raw",
                                 help="Write CSV text cells as they are: no ' before a cell starting with =, +, -, "
                                      "@, tab or CR (formula neutralising is for spreadsheets; pipelines may "
                                      "want the raw text)."),
    crs: str = typer.Option(None, "--crs", metavar="CRS",
                            help="The CRS of input files that declare none (a Shapefile without its .prj), e.g. "
                                 "EPSG:27700; a file's own CRS is kept. In an option file: crs: EPSG:27700."),
    allow_virtual: bool = typer.Option(False, "--allow-virtual",
                                       help="Read GDAL virtual formats (VRT) and /vsi*/ paths; network "
                                            "addresses stay refused."),
    max_memory: float = typer.Option(None, "--max-memory", metavar="GB",
                                     help="Memory one boundary file may need, in GB (default: what the machine "
                                          "has available); a file needing more is refused with what it needs."),
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="No progress on standard error (shown only on a terminal, for work that "
                                    "lasts over a second)."),
) -> None:
    """placegeo: boundary alignment for NHS places and neighbourhoods.

    Global options go before the command (placegeo --repair compare ...); --csv-raw, --allow-virtual and
    --crs and --quiet may also follow it.
    The engine, repair and allow-virtual hold for every file the command reads (:func:`placegeo.layers.reading`, entered
    here and left when the command ends): no environment variable is set.
    """
    from placegeo.cli.progress import shown
    from placegeo.io import csv_cells
    from placegeo.layers import reading

    if max_memory is not None and not 0 < max_memory < float("inf"):
        from placegeo.errors import UsageError

        raise UsageError(f"--max-memory {max_memory} is not a number of GB above 0", hint="e.g. --max-memory 4")
    ctx.with_resource(reading(engine, repair, allow_virtual=allow_virtual, crs=_checked_crs(crs),
                              max_memory=None if max_memory is None else max_memory * 1e9))
    ctx.with_resource(csv_cells(csv_raw))
    ctx.with_resource(shown(quiet))


def _checked_crs(crs: str | None) -> str | None:
    """``--crs`` as given, once pyproj knows it (an unknown one is a usage error before any file is read)."""
    if not crs:
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    from placegeo.errors import UsageError

    try:
        CRS.from_user_input(crs)
    except CRSError:
        raise UsageError(f"unknown --crs '{crs}'", hint="e.g. EPSG:27700 or EPSG:4326") from None
    return crs
