"""The CLI's one vocabulary: the command classes every command uses, the choices (Enums), and the options
the commands share, declared once.

Conventions (docs/cli.md, "Conventions"):

- ``--format`` is the output format; the human one is ``text`` in every command (``table`` still works).
- ``--out`` is where the result goes: a directory when the command writes several files (compare,
  report), a file when it writes one (the others); ``-o`` is short for it everywhere.
- ``--weight`` is ``area``, ``population`` or ``both`` (default ``both``) wherever it appears.
- Options may come before or after the arguments. A multi-value option (``--against``) is repeated
  (``--against lad21 --against ccg21``) or given a comma list (``--against lad21,ccg21``); after the
  arguments, the old ``--against lad21 ccg21`` still takes every value up to the next option.
- Old spellings keep working, hidden from ``--help``: ``report --formats``, ``map --practices``,
  ``pcn build --weight`` (now ``--practice-weight``), ``--format table``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

MULTI_VALUE = ("--against",)  # after the arguments, takes every value up to the next option
COMMA_LISTS = ("--against", "--format", "--overlay", "--skip")  # repeatable options that also take a, b, c
OPTION_ALIASES = {  # old spelling -> new, applied when a command has the new option and not the old
    "--formats": "--format",
    "--practices": "--show-practices",
    "--weight": "--practice-weight",
}
VALUE_ALIASES = {"table": "text"}  # old choice -> new, applied when the option offers the new and not the old


# ---------------------------------------------------------------------------------------------------- choices

class TableFormat(StrEnum):
    """How a command prints its table: for people, or for other programs."""

    text = "text"
    csv = "csv"
    json = "json"


class TextFormat(StrEnum):
    text = "text"
    json = "json"


class FindingsFormat(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


class ReportFormat(StrEnum):
    html = "html"
    xlsx = "xlsx"
    md = "md"
    csv = "csv"
    json = "json"


class MapFormat(StrEnum):
    png = "png"
    pdf = "pdf"
    svg = "svg"


class Paper(StrEnum):
    a4_landscape = "a4-landscape"
    a4_portrait = "a4-portrait"
    a3_landscape = "a3-landscape"
    widescreen = "16:9"


class Weight(StrEnum):
    """What is weighed: area, population, or both (population decides where one weight must)."""

    area = "area"
    population = "population"
    both = "both"


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


class BestFitMethod(StrEnum):
    majority = "majority"
    centroid = "centroid"


class PcnMethod(StrEnum):
    registrations = "registrations"
    nearest = "nearest"
    catchment = "catchment"


class PracticeWeight(StrEnum):
    auto = "auto"
    none = "none"
    list_size = "list-size"
    gravity = "gravity"


class Engine(StrEnum):
    pyogrio = "pyogrio"
    fiona = "fiona"


# ---------------------------------------------------------------------------------------------------- parsing

class PlacegeoCommand(TyperCommand):
    """A command that speaks the one vocabulary: options anywhere, comma lists, hidden old spellings, readable
    help (choices listed, no ``<type>`` labels) and one-line errors for a value that is not a choice."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        readable_help(self.params)

    def parse_args(self, ctx, args):  # type: ignore[override]
        return super().parse_args(ctx, normalise_args(list(args), self.params))


class PlacegeoGroup(TyperGroup):
    """A command group with options of its own (``layers --format``): the same vocabulary for those."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        readable_help(self.params)

    def parse_args(self, ctx, args):  # type: ignore[override]
        args = hoist_global_flags(list(args), self.commands)
        first = next((i for i, a in enumerate(args) if a in self.commands), len(args))
        return super().parse_args(ctx, normalise_args(args[:first], self.params) + args[first:])


GLOBAL_FLAGS = ("--csv-raw", "--allow-virtual", "--quiet", "-q")  # also taken after the command (no command has them)
GLOBAL_VALUES = ("--crs",)  # global options with a value, also taken after the command


def hoist_global_flags(args: list[str], commands: Any) -> list[str]:
    """``placegeo compare --csv-raw --crs EPSG:27700 ...`` as ``placegeo --csv-raw --crs EPSG:27700 compare
    ...`` (up to a ``--``)."""
    first = next((i for i, a in enumerate(args) if a in commands), None)
    if first is None:
        return args
    end = args.index("--") if "--" in args[first:] else len(args)
    flags: list[str] = []
    rest: list[str] = []
    i = first
    while i < end:
        arg = args[i]
        if arg in GLOBAL_FLAGS or arg.partition("=")[0] in GLOBAL_VALUES and "=" in arg:
            flags.append(arg)
        elif arg in GLOBAL_VALUES and i + 1 < end:
            flags += [arg, args[i + 1]]
            i += 1
        else:
            rest.append(arg)
        i += 1
    if not flags:
        return args
    return args[:first] + flags + rest + args[end:]


class _PlainArgument(TyperArgument):
    """An argument shown by its metavar alone (``OPTION...``), not ``{OPTION...} <list[str]>``."""

    def display_type_rich(self, ctx):  # type: ignore[override]
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return name if self.required else f"[{name}]"


def _choices(param: Any) -> list[str]:
    """The values a parameter accepts, when it is a choice (an Enum)."""
    descriptor = getattr(param, "type_descriptor", None)
    choices = getattr(descriptor, "choices", None) or ()
    return [str(getattr(c, "value", c)) for c in choices]


def readable_help(params: list[Any]) -> None:
    """Arguments by their metavar alone; choices listed as ``a|b|c``; no option shows a ``<type>`` label."""
    for param in params:
        if isinstance(param, TyperArgument) and not isinstance(param, _PlainArgument):
            param.__class__ = _PlainArgument
        elif isinstance(param, TyperOption) and not param.is_flag and not param.count and param.metavar is None:
            choices = _choices(param)
            param.metavar = "|".join(choices) if choices else param.name.upper()


def _takes_value(param: Any) -> bool:
    return isinstance(param, TyperOption) and not param.is_flag and not param.count


def normalise_args(args: list[str], params: list[Any]) -> list[str]:
    """The command line in the form click parses: old spellings renamed, comma lists and trailing multi-values
    expanded to repeated options, old choice names replaced; a value that is not a choice is one clear error.

    ``--against`` takes every following value up to the next option only after an argument has been seen,
    so ``compare --against lad21 OPTION.yaml`` leaves OPTION.yaml to be the argument.
    """
    from placegeo.errors import UsageError

    options = {name: p for p in params if isinstance(p, TyperOption) for name in (*p.opts, *p.secondary_opts)}
    out: list[str] = []
    seen_argument = False
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            out.extend(args[i - 1:])
            break
        if not arg.startswith("-") or arg == "-":
            seen_argument = True
            out.append(arg)
            continue
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name not in options and OPTION_ALIASES.get(name) in options:
            name = OPTION_ALIASES[name]
        param = options.get(name)
        if param is None or not _takes_value(param):
            out.append(name + eq + inline if param is None else name)
            continue
        if eq:
            values = [inline]
        elif i < len(args):
            values = [args[i]]
            i += 1
        else:
            out.append(name)  # click says the value is missing
            continue
        if name in MULTI_VALUE and seen_argument and not eq:
            while i < len(args) and not args[i].startswith("-"):
                values.append(args[i])
                i += 1
        if param.multiple and name in COMMA_LISTS:
            values = [piece for value in values for piece in _comma_list(name, value)]
        choices = _choices(param)
        for value in values:
            if choices and value not in choices:
                value = VALUE_ALIASES.get(value, value)
                if value not in choices:
                    raise UsageError(f"unknown {name} '{value}'", hint=f"use {_or(choices)}")
            out.extend([name, value])
    return out


def _comma_list(name: str, value: str) -> list[str]:
    """``a,b`` -> [a, b] (a path that exists with a comma in its name stays whole)."""
    from placegeo.errors import UsageError

    if "," not in value or Path(value).exists():
        return [value]
    pieces = [p.strip() for p in value.split(",") if p.strip()]
    if not pieces:
        raise UsageError(f"{name} '{value}' names nothing", hint="give values separated by commas")
    return pieces


def _or(choices: list[str]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]


def warn(message: str) -> None:
    """One warning line on stderr."""
    typer.echo(f"placegeo: warning: {message}", err=True)


# The options of the commands that run the engine on options (compare, report), and the ones every table
# command shares, declared once.
Options = Annotated[list[str], typer.Argument(metavar="OPTION...", help="Option files (YAML/TOML or a polygon file).")]
Against = Annotated[list[str] | None, typer.Option(
    "--against", metavar="LAYER...",
    help="Reference layers (bundled ids or files): repeat it, or give a comma list (lad21,ccg21); "
         "default: the option's own region (L&SC: lad21 ctyua21 ccg21; England: councils and districts 2024, "
         "CCGs 2021, sub-ICBs 2024, PCNs; see `placegeo layers`).")]
WeightOption = Annotated[Weight, typer.Option(
    "--weight", help="What to weigh: area, population, or both (population decides whole / split).")]
def finite(ctx: Any, param: Any, value: float | None) -> float | None:
    """Refuse NaN and infinities for a number option (click reads "nan" and "inf" as floats)."""
    import math

    from placegeo.errors import UsageError

    if value is not None and not math.isfinite(value):
        raise UsageError(f"{param.opts[0]} must be a finite number, not {value}")
    return value


Tol = Annotated[float, typer.Option(
    "--tol", metavar="SHARE", callback=finite, help="Whole / split and coterminous tolerance (a share: 0.01 = 1 %).")]
Snap = Annotated[float, typer.Option("--snap", metavar="M", callback=finite,
                                     help="Edge distance in metres: boundary match, edge noise and edge match.")]
Population = Annotated[str | None, typer.Option(
    "--population", metavar="LAYER",
    help="Small-area population layer (default: follows the layers, lsoa11 for L&SC, england/lsoa21 for England).")]
PlaceMax = Annotated[float, typer.Option("--place-max", metavar="PEOPLE",
                                         help="Guidance band: most people in a place.")]
NeighbourhoodMin = Annotated[float, typer.Option(
    "--neighbourhood-min", metavar="PEOPLE", help="Guidance band: fewest people in a neighbourhood (PCN).")]
NeighbourhoodMax = Annotated[float, typer.Option(
    "--neighbourhood-max", metavar="PEOPLE", help="Guidance band: most people in a neighbourhood (PCN).")]
Subunits = Annotated[bool, typer.Option(
    "--subunits", help="Compare the sub-units of every place that has them too, each set as an option.")]
Force = Annotated[bool, typer.Option("--force", help="Replace output files that exist.")]
AllowOverlaps = Annotated[bool, typer.Option(
    "--allow-overlaps", help="Take a reference file whose units overlap or leave gaps wider than --snap (refused "
                             "otherwise), with a warning: its shares no longer sum to one.")]
OutFile = Annotated[Path | None, typer.Option(
    "--out", "-o", metavar="FILE", help="Write the table to this file (.csv or .json) instead of printing it.")]
Format = Annotated[TableFormat | None, typer.Option(
    "--format", help="Output format: text (for people), csv or json (default: text, or from the --out suffix).")]


def guidance_bands(place_max: float, neighbourhood_min: float, neighbourhood_max: float):
    """The place and neighbourhood bands from the command line, checked: (place band, neighbourhood band)."""
    import math

    from placegeo.errors import UsageError
    from placegeo.metrics import NEIGHBOURHOOD_BAND, PLACE_BAND, Band

    if any(math.isnan(v) for v in (place_max, neighbourhood_min, neighbourhood_max)):
        raise UsageError("guidance bands count people: --place-max, --neighbourhood-min and --neighbourhood-max "
                         "must be numbers, not nan")
    if min(place_max, neighbourhood_min, neighbourhood_max) < 0:
        raise UsageError("guidance bands count people: --place-max, --neighbourhood-min and --neighbourhood-max "
                         "cannot be negative")
    if neighbourhood_min > neighbourhood_max:
        raise UsageError(f"--neighbourhood-min ({neighbourhood_min:,.0f}) is above --neighbourhood-max "
                         f"({neighbourhood_max:,.0f})")
    return (Band(PLACE_BAND.name, None, place_max),
            Band(NEIGHBOURHOOD_BAND.name, neighbourhood_min, neighbourhood_max))


def drawing_imports() -> None:
    """Import what the drawing commands (map, report) use, skipping one thing a command line never shows: the
    property list matplotlib writes into the docstring of every artist class's ``set`` as the class is defined
    (about a third of matplotlib's import time). Only the classes imported here go without it; a notebook,
    which never passes here, keeps every docstring."""
    import sys

    if "matplotlib.figure" in sys.modules:
        return
    import matplotlib.artist

    kwdoc = getattr(matplotlib.artist, "kwdoc", None)
    if not callable(kwdoc):
        return
    matplotlib.artist.kwdoc = lambda artist: ""  # type: ignore[assignment]
    try:
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.collections  # noqa: F401
        import matplotlib.figure  # noqa: F401
        import matplotlib.legend  # noqa: F401
        import matplotlib.patches  # noqa: F401
        import matplotlib.text  # noqa: F401
    finally:
        matplotlib.artist.kwdoc = kwdoc
    font_lookup_by_face()


def font_lookup_by_face() -> None:
    """Let matplotlib look a font up once per face, not once per face and size. With every installed font
    scalable (TrueType, OpenType), matplotlib's score of a font ignores the size, so the font found is the same;
    a map's labels come in many sizes, and each new one cost a scan of every installed font. Command line only
    (called by :func:`drawing_imports`); nothing happens unless every font is scalable."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    lookup = getattr(manager, "_findfont_cached", None)
    if lookup is None or getattr(lookup, "by_face", False):
        return
    if not all(font.size == "scalable" for font in [*manager.ttflist, *manager.afmlist]):
        return

    def by_face(prop: Any, *args: Any) -> Any:
        if isinstance(prop, font_manager.FontProperties):
            prop = prop.copy()
            prop.set_size(10.0)
        return lookup(prop, *args)

    by_face.by_face = True  # type: ignore[attr-defined]
    manager._findfont_cached = by_face  # type: ignore[method-assign]
