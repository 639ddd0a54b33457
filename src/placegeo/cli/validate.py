"""`placegeo validate`: check boundary files, bundled layers and option files (for CI and pre-commit)."""

from __future__ import annotations

from pathlib import Path

import typer

from placegeo.cli.app import app
from placegeo.cli.common import FindingsFormat, PlacegeoCommand, Severity, finite


@app.command("validate", cls=PlacegeoCommand)
def validate_command(
    sources: list[str] = typer.Argument(None, metavar="PATH_OR_LAYER...",
                                        help="Boundary files or bundled layer ids; .yaml/.toml files are options."),
    option: list[Path] = typer.Option([], "--option", metavar="FILE", help="An option file to check (repeatable)."),
    footprint: str = typer.Option(None, "--footprint", metavar="LAYER",
                                  help="Layer (e.g. icb) that the options' places must cover."),
    format: FindingsFormat = typer.Option(FindingsFormat.text, "--format",
                                          help="Output format: text (for people), json, junit or github."),
    fail_on: Severity = typer.Option(Severity.error, "--fail-on", help="Exit 1 on findings at or above this severity."),
    gap_width: float = typer.Option(0.0, "--gap-width", metavar="M", callback=finite,
                                    help="Coverage validation: gaps narrower than this (metres) are edge findings "
                                         "(0: edges must match exactly)."),
    sliver_area: float = typer.Option(1.0, "--sliver-area", metavar="M2", callback=finite,
                                      help="Polygon parts smaller than this (m²) are slivers."),
    kind: str = typer.Option(None, "--kind", metavar="KIND",
                             help="What the features are (lsoa, lad, ctyua, ccg, sicbl, icb, pcn, practice...), for "
                                  "the code pattern check."),
    code: str = typer.Option(None, "--code", metavar="COLUMN", help="Column holding the feature codes."),
    name: str = typer.Option(None, "--name", metavar="COLUMN", help="Column holding the feature names."),
    layer: str = typer.Option(None, "--layer", metavar="NAME", help="Layer inside a multi-layer file (GeoPackage)."),
    skip: list[str] = typer.Option([], "--skip", metavar="CHECK",
                                   help="Check id to leave out (repeatable, or a comma list)."),
    out: Path = typer.Option(None, "--out", "-o", metavar="FILE",
                             help="Write the report to this file instead of standard output."),
    force: bool = typer.Option(False, "--force", help="Replace --out if it exists."),
) -> None:
    """Check boundary layers and option files; exit 0 clean, 1 findings at --fail-on, 2 could not run."""
    from placegeo.errors import UsageError
    from placegeo.render.findings import FORMATS, render
    from placegeo.validation import Settings, validate

    if format not in FORMATS:
        raise UsageError(f"unknown --format '{format}'", hint=f"use {', '.join(FORMATS)}")
    if fail_on not in ("error", "warning", "info"):
        raise UsageError(f"unknown --fail-on '{fail_on}'", hint="use error, warning or info")
    if kind:
        from placegeo.checks.gss import PATTERNS

        if kind not in PATTERNS:
            raise UsageError(f"unknown --kind '{kind}'", hint=f"use one of {', '.join(PATTERNS)}")
    settings = Settings(gap_width=gap_width, sliver_area=sliver_area, code=code, name=name, kind=kind, layer=layer,
                        footprint=footprint, skip=frozenset(skip))
    if out is not None:
        from placegeo.io import refuse_overwrite

        refuse_overwrite([out], force)  # before the checks, which can take minutes on a big layer
    report = validate(sources or [], option, settings)
    text = render(report, format, fail_on)
    if out is not None:
        from placegeo.io import write_text

        write_text(out, text, force=force)
    else:
        typer.echo(text, nl=False)
    if report.failing(fail_on):
        from placegeo.errors import EXIT_FINDINGS

        raise typer.Exit(EXIT_FINDINGS)
