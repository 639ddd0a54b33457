"""`placegeo compare`: options side by side against reference layers."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.core import TyperCommand

from placegeo.cli.app import app

MULTI_VALUE = ("--against",)


class MultiValueCommand(TyperCommand):
    """Lets ``--against A B C`` take several values: rewritten to ``--against A --against B ...``."""

    def parse_args(self, ctx, args):  # type: ignore[override]
        return super().parse_args(ctx, expand_multi(list(args), MULTI_VALUE))


def warn(message: str) -> None:
    """One warning line on stderr."""
    typer.echo(f"placegeo: warning: {message}", err=True)


def expand_multi(args: list[str], names: tuple[str, ...]) -> list[str]:
    """Repeat a multi-value option before each of the values that follow it (up to the next option)."""
    out: list[str] = []
    current: str | None = None
    for arg in args:
        if arg.startswith("-"):
            current = arg if arg in names else None
            if current is None:
                out.append(arg)
            continue
        if current is not None:
            out.extend([current, arg])
            continue
        out.append(arg)
    return out


@app.command("compare", cls=MultiValueCommand)
def compare_command(
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
    out: Path = typer.Option(None, "--out", metavar="DIR",
                             help="Write scorecard.csv, splits.csv, places.csv, overlap.csv, comparison.json and "
                                  "each option's places as GeoPackage here."),
    format: str = typer.Option("table", "--format", help="table, json or csv (the scorecard)."),
    force: bool = typer.Option(False, "--force", help="Replace files in --out that exist."),
) -> None:
    """Compare place options with reference layers: coterminosity, split units, coterminous places."""
    from placegeo.comparison import DEFAULT_AGAINST, compare
    from placegeo.errors import UsageError
    from placegeo.metrics import PLACE_BAND, Band

    if format not in ("table", "json", "csv"):
        raise UsageError(f"unknown --format '{format}'", hint="use table, json or csv")
    if out is not None:
        from placegeo.compare_output import check_outputs

        check_outputs(out, options, force)
    comparison = compare(options, against or DEFAULT_AGAINST, weight=weight, tol=tol, snap=snap,
                         population=population, place_band=Band(PLACE_BAND.name, None, place_max), warn=warn)
    if out is not None:
        from placegeo.compare_output import write_outputs

        written = write_outputs(comparison, out, force=force)
        typer.echo(f"wrote {len(written)} files to {out}", err=True)
    if format == "json":
        typer.echo(comparison.to_json())
    elif format == "csv":
        typer.echo(comparison.tables()["scorecard"].to_csv(index=False), nl=False)
    else:
        from placegeo.render.scorecard import render_scorecard

        typer.echo(render_scorecard(comparison), nl=False)
