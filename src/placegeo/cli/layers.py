"""`placegeo layers`: the bundled layer catalogue."""

from __future__ import annotations

import typer

from placegeo.cli.app import app
from placegeo.cli.common import PlacegeoCommand, PlacegeoGroup, TextFormat

layers_app = typer.Typer(help="List the bundled boundary layers, or show one.", no_args_is_help=False,
                         cls=PlacegeoGroup)
app.add_typer(layers_app, name="layers")


@layers_app.callback(invoke_without_command=True)
def layers_list(
    ctx: typer.Context,
    format: TextFormat = typer.Option(TextFormat.text, "--format", help="Output format: text (a table) or json."),
) -> None:
    """List the bundled layers (ids to use anywhere a layer is asked for)."""
    if ctx.invoked_subcommand is not None:
        return
    from placegeo.render.terminal import print_catalogue

    print_catalogue("table" if format == TextFormat.text else str(format))


@layers_app.command("show", cls=PlacegeoCommand)
def layers_show(
    layer_id: str = typer.Argument(..., metavar="ID", help="A bundled layer id, e.g. lad21 or england/lad24."),
    format: TextFormat = typer.Option(TextFormat.text, "--format", help="Output format: text or json."),
) -> None:
    """Show one layer: features, extent, vintage, licence line, population column."""
    from placegeo.render.terminal import print_layer_details

    print_layer_details(layer_id, str(format))
