"""Pieces the commands share: multi-value --against, warnings, and the options compare-like commands take."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand

MULTI_VALUE = ("--against",)


class MultiValueCommand(TyperCommand):
    """Lets ``--against A B C`` take several values: rewritten to ``--against A --against B ...``."""

    def parse_args(self, ctx, args):  # type: ignore[override]
        return super().parse_args(ctx, expand_multi(list(args), MULTI_VALUE))


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


def warn(message: str) -> None:
    """One warning line on stderr."""
    typer.echo(f"placegeo: warning: {message}", err=True)


# The options of the commands that run the engine on options (compare, report), declared once.
Options = Annotated[list[str], typer.Argument(metavar="OPTION...", help="Option files (YAML/TOML or a polygon file).")]
Against = Annotated[list[str] | None, typer.Option(
    "--against", metavar="LAYER...", help="Reference layers (bundled ids or files); default: lad21 ccg21 ctyua21.")]
Weight = Annotated[str, typer.Option("--weight", help="area, population or both.")]
Tol = Annotated[float, typer.Option("--tol", help="Whole / split and coterminous tolerance (a share: 0.01 = 1 %).")]
Snap = Annotated[float, typer.Option("--snap", metavar="M", help="Boundary match distance in metres.")]
Population = Annotated[str | None, typer.Option(
    "--population", metavar="LAYER",
    help="Small-area population layer (default: follows the layers, lsoa11 for L&SC, england/lsoa21 for England).")]
PlaceMax = Annotated[float, typer.Option("--place-max", help="Guidance band: most people in a place.")]
NeighbourhoodMin = Annotated[float, typer.Option(
    "--neighbourhood-min", help="Guidance band: fewest people in a neighbourhood (PCN).")]
NeighbourhoodMax = Annotated[float, typer.Option(
    "--neighbourhood-max", help="Guidance band: most people in a neighbourhood (PCN).")]
Subunits = Annotated[bool, typer.Option(
    "--subunits", help="Compare the sub-units of every place that has them too, each set as an option.")]
Force = Annotated[bool, typer.Option("--force", help="Replace output files that exist.")]
OutFile = Annotated[Path | None, typer.Option("--out", metavar="FILE", help="Write the table here (.csv or .json).")]
TableFormat = Annotated[str | None, typer.Option(
    "--format", help="table, csv or json (default: table, or from --out).")]


def guidance_bands(place_max: float, neighbourhood_min: float, neighbourhood_max: float):
    """The place and neighbourhood bands from the command line, checked: (place band, neighbourhood band)."""
    from placegeo.errors import UsageError
    from placegeo.metrics import NEIGHBOURHOOD_BAND, PLACE_BAND, Band

    if min(place_max, neighbourhood_min, neighbourhood_max) < 0:
        raise UsageError("guidance bands count people: --place-max, --neighbourhood-min and --neighbourhood-max "
                         "cannot be negative")
    if neighbourhood_min > neighbourhood_max:
        raise UsageError(f"--neighbourhood-min ({neighbourhood_min:,.0f}) is above --neighbourhood-max "
                         f"({neighbourhood_max:,.0f})")
    return (Band(PLACE_BAND.name, None, place_max),
            Band(NEIGHBOURHOOD_BAND.name, neighbourhood_min, neighbourhood_max))
