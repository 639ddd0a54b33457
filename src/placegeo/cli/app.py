"""The Typer application object that every command module registers on."""

from __future__ import annotations

import typer

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
)


def version_callback(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"placegeo {version('placegeo')}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """placegeo: boundary alignment for NHS places and neighbourhoods."""
