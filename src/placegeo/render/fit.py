"""Tables that fit the terminal: the widest form that fits, else one record at a time (never a cut number).

A rich table narrower than its contents wraps, and cuts words it cannot wrap ("1,701,…"). The views here
measure a table first and, when it does not fit, print the same cells stacked (a heading, then one
``field  value`` line each), so that every figure of the wide form is still there at 80 columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import RenderableType

SMALLEST = 20  # narrower than this is not a terminal width (COLUMNS=0): use the default
DEFAULT = 80


def terminal_width() -> int:
    """The width to print at: ``COLUMNS``, else the terminal's, else 80 (rich's rule; piped output is 80)."""
    from rich.console import Console

    width = Console().width
    return width if width >= SMALLEST else DEFAULT


def natural_width(renderable: RenderableType) -> int:
    """Columns the renderable takes when nothing is wrapped."""
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=100_000)
    return Measurement.get(console, console.options, renderable).maximum


def minimum_width(renderable: RenderableType) -> int:
    """Columns the renderable needs when everything that can wrap is wrapped."""
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=100_000)
    return Measurement.get(console, console.options, renderable).minimum


def fits(renderable: RenderableType, width: int) -> bool:
    """True when the renderable prints within ``width`` columns without wrapping anything."""
    return natural_width(renderable) <= width


def stacked(headers: Sequence[str], rows: Sequence[Sequence[str]], *, label: str = "row") -> list[RenderableType]:
    """Each row as a record: a ``label N of M`` heading, then one ``header  value`` line per non-empty cell.
    Values wrap at spaces under their own column, so nothing is cut."""
    from rich.table import Table
    from rich.text import Text

    out: list[RenderableType] = []
    for n, row in enumerate(rows, start=1):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, style="bold")
        grid.add_column(overflow="fold")
        for header, value in zip(headers, row, strict=True):
            if value not in ("", None):
                grid.add_row(Text(str(header)), Text(str(value)))
        out.append(Text(f"{label} {n} of {len(rows)}", style="dim"))
        out.append(grid)
    return out


def render(renderables: Sequence[RenderableType], width: int) -> str:
    """Plain text of the renderables printed at ``width`` (no colour codes)."""
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    for renderable in renderables:
        console.print(renderable)
    text: str = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.split("\n"))


def wrap(text: str, width: int | None = None) -> str:
    """Prose lines wrapped at spaces to ``width`` (the terminal's by default), continuation lines indented
    under their line's own indent plus four; a word (a number, a path) is never cut."""
    import textwrap

    width = width or terminal_width()
    out = []
    for line in text.split("\n"):
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        out.append(textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False,
                                 break_on_hyphens=False) if line.strip() else line)
    return "\n".join(out)


def table_or_records(table: RenderableType, headers: Sequence[str], rows: Sequence[Sequence[str]], *,
                     width: int, title: str = "", label: str = "row") -> list[RenderableType]:
    """``table`` when it fits ``width``; else a title line and the rows stacked as records."""
    if fits(table, width):
        return [table]
    from rich.text import Text

    return ([Text(title, style="bold")] if title else []) + stacked(headers, rows, label=label)
