"""`placegeo pcn build`: PCN footprints as unions of whole LSOAs, from practice membership."""

from __future__ import annotations

from pathlib import Path

import typer

from placegeo.cli.app import app
from placegeo.cli.common import PcnMethod, PlacegeoCommand, PracticeWeight

pcn_app = typer.Typer(help="Primary Care Network footprints built from practice membership.", no_args_is_help=True)
app.add_typer(pcn_app, name="pcn")


@pcn_app.command("build", cls=PlacegeoCommand)
def pcn_build(
    membership: Path = typer.Option(..., "--membership", metavar="MAP.csv",
                                    help="Practice -> PCN map as NHS England publishes it (gp-reg-pat-prac-map.csv)."),
    practices: str = typer.Option(..., "--practices", metavar="LOCATIONS",
                                  help="Practice locations: CSV with PRAC_CODE, PRAC_LAT, PRAC_LNG, or a point layer "
                                       "(e.g. the bundled 'practices')."),
    out: Path = typer.Option(..., "--out", "-o", metavar="FILE", help="Output file (.gpkg, .geojson or .parquet)."),
    blocks: str = typer.Option("lsoa11", "--blocks", metavar="LAYER", help="Building blocks (LSOAs) to union."),
    registrations: Path | None = typer.Option(None, "--registrations", metavar="REG.csv",
                                              help="Registered patients by practice x LSOA "
                                                   "(gp-reg-pat-prac-lsoa-all)."),
    method: PcnMethod | None = typer.Option(None, "--method",
                                            help="How blocks go to PCNs (default: registrations when --registrations "
                                                 "is given, else nearest)."),
    weight: PracticeWeight = typer.Option(PracticeWeight.auto, "--practice-weight",
                                          help="How the nearest practice is weighed: none, list size, gravity, or "
                                               "auto (gravity when list sizes are known). Was --weight."),
    list_sizes: Path | None = typer.Option(None, "--list-sizes", metavar="SIZES.csv",
                                           help="Registered patients per practice (gp-reg-pat-prac-all.csv)."),
    catchments: Path | None = typer.Option(None, "--catchments", metavar="FILE",
                                           help="Practice or PCN catchment polygons (eDEC) with a PCN code column."),
    footprint: str | None = typer.Option(None, "--footprint", metavar="LAYER",
                                         help="Only blocks inside this layer (default: blocks with ICB22CD set)."),
    icb: str | None = typer.Option(None, "--icb", metavar="CODE",
                                   help="Keep only this ICB_CODE's practices from the membership."),
    lookup: Path | None = typer.Option(None, "--lookup", metavar="FILE.csv",
                                       help="Also write the block -> PCN lookup (and the rule that decided each)."),
    force: bool = typer.Option(False, "--force", help="Replace existing outputs."),
) -> None:
    """Build one polygon per PCN as a union of whole blocks, and say how well each method agrees with registrations."""
    from placegeo.errors import UsageError
    from placegeo.io import refuse_overwrite
    from placegeo.layers import load_layer
    from placegeo.pcn import (
        build_pcns,
        read_list_sizes,
        read_membership,
        read_practices,
        read_registrations,
        write_pcns,
    )
    from placegeo.pcn.report import format_build

    method = method or ("registrations" if registrations else "nearest")
    if method == "registrations" and registrations is None:
        raise UsageError("--method registrations needs --registrations FILE")
    if method == "catchment" and catchments is None:
        raise UsageError("--method catchment needs --catchments FILE")
    refuse_overwrite([Path(out)] + ([Path(lookup)] if lookup else []), force)
    built = build_pcns(
        read_membership(membership, icb=icb),
        read_practices(practices),
        load_layer(blocks),
        method=method,
        weight=weight,
        registrations=read_registrations(registrations) if registrations else None,
        catchments=load_layer(catchments) if catchments else None,
        footprint=footprint,
        list_sizes=read_list_sizes(list_sizes) if list_sizes else None,
        locations_source=str(practices),
    )
    write_pcns(built, out, force=force, lookup=lookup)
    from placegeo.render.fit import wrap

    typer.echo(wrap(format_build(built, out)))
