"""`placegeo layers`: the bundled layer catalogue."""

from __future__ import annotations

import typer

from placegeo.cli.app import app

layers_app = typer.Typer(help="List the bundled boundary layers, or show one.", no_args_is_help=False)
app.add_typer(layers_app, name="layers")


@layers_app.callback(invoke_without_command=True)
def layers_list(
    ctx: typer.Context,
    format: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """List the bundled layers (ids to use anywhere a layer is asked for)."""
    if ctx.invoked_subcommand is not None:
        return
    from placegeo.render.terminal import print_catalogue

    print_catalogue(format)


@layers_app.command("show")
def layers_show(
    layer_id: str = typer.Argument(..., metavar="ID", help="A bundled layer id, e.g. lad21 or england/lad24."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Show one layer: features, extent, vintage, licence line, population column."""
    from placegeo.render.terminal import print_layer_details

    print_layer_details(layer_id, format)
