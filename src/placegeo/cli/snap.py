"""`placegeo snap SKETCH --to LAYER --out FILE`: a drawn sketch (or an option) as whole blocks of a layer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from placegeo.cli.app import app
from placegeo.cli.common import Force, PlacegeoCommand, Population

if TYPE_CHECKING:
    from placegeo.snapping import Snapped


@app.command("snap", cls=PlacegeoCommand)
def snap_command(
    sketch: str = typer.Argument(..., metavar="SKETCH",
                                 help="The sketch: a polygon file with a place column (any CRS), or an option file."),
    out: Path = typer.Option(..., "--out", "-o", metavar="FILE", help="Write the snapped option (YAML) here."),
    to: str = typer.Option(None, "--to", metavar="LAYER",
                           help="Bundled layer whose blocks the places are made of (default: the small areas of "
                                "the sketch's region, england/lsoa21 or lsoa11; e.g. england/pcn, pcn)."),
    name: str = typer.Option(None, "--name", metavar="TEXT",
                             help="Name of the snapped option (default: the sketch's, with the layer)."),
    population: Population = None,
    force: Force = False,
) -> None:
    """Snap a sketch to whole blocks (each to the place with most of its people); write it as an option file."""
    from placegeo.io import refuse_overwrite, write_text
    from placegeo.snapping import option_text, snap

    if out.suffix.lower() not in (".yaml", ".yml"):
        from placegeo.errors import UsageError

        raise UsageError(f"--out {out} should end in .yaml", hint="the snapped option is a YAML option file")
    refuse_overwrite([out], force)
    snapped = snap(sketch, to, population=population)
    if not any(snapped.places.values()):
        from placegeo.errors import UsageError

        raise UsageError(f"no block of {snapped.layer} has most of its people in a place of '{snapped.name}'",
                         hint="snap to smaller blocks (e.g. england/lsoa21)")
    write_text(out, option_text(snapped, name), force=force)
    typer.echo(_summary(snapped, out), nl=False)


def _summary(snapped: Snapped, out: Path) -> str:
    """What snapping did, for people: blocks and people per place, what moved, the largest moves."""
    from placegeo.snapping import SHOWN_MOVES

    lines = [f"Snapped '{snapped.name}' to {snapped.layer} (people: {snapped.population_layer}); wrote {out}"]
    for place, codes in snapped.places.items():
        before, after = snapped.sketch_population[place], snapped.snapped_population[place]
        lines.append(f"  {place}: {len(codes):,} blocks, {after:,.0f} people (sketch {before:,.0f}, "
                     f"{after - before:+,.0f})")
    moved = snapped.moved_blocks
    core20 = snapped.moved_core20
    core20_text = f", {core20:,.0f} of them Core20 residents" if core20 is not None else ""
    lines.append(f"Moved: {len(moved):,} of {snapped.blocks:,} blocks straddle the sketch's edges; snapping moves "
                 f"{snapped.moved_people:,.0f} people{core20_text}")
    if moved:
        lines.append("Largest moves:")
        lines += [f"  {m.describe()}" for m in moved[:SHOWN_MOVES]]
    for place in snapped.empty:
        lines.append(f"Place '{place}' holds most of the people of no block: it is left out of the option")
    return "\n".join(lines) + "\n"
