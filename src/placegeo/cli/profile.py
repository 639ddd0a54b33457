"""`placegeo profile LAYER_OR_OPTION`: who lives in every unit (residents, Core20 share, IMD, aged 65+)."""

from __future__ import annotations

import typer

from placegeo.cli.app import app
from placegeo.cli.common import Force, Format, OutFile, PlacegeoCommand, Population


@app.command("profile", cls=PlacegeoCommand)
def profile_command(
    subject: str = typer.Argument(..., metavar="LAYER_OR_OPTION",
                                  help="A bundled layer id, a boundary file, or an option file (FILE#PLACE too)."),
    population: Population = None,
    out: OutFile = None,
    format: Format = None,
    force: Force = False,
) -> None:
    """Residents, Core20 share (IMD deciles 1-2), mean IMD rank or score and its decile, share aged 65+."""
    from placegeo.api import profile
    from placegeo.cli.tables import emit_table
    from placegeo.render.profile import profile_frame, sources_line

    table = profile(subject, population=population)
    text = out is None and format in (None, "text", "table")
    emit_table(profile_frame(table, rounded=text), out=out, format=format, force=force,
               title=f"Who lives in each unit of {table.subject}")
    if text:
        from placegeo.render.fit import wrap

        typer.echo(wrap(f"Sources: {sources_line(table)}. Core20: residents of LSOAs in IMD deciles 1-2; "
                        "imd_band: national decile of the mean (1 = most deprived)."), err=True)
