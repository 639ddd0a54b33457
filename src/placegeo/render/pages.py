"""Pages: paper sizes in real millimetres, the page layout, and deterministic saving.

A map page is laid out in millimetres: a header (title, subtitle), the map panel(s), a legend panel
(right of the maps on landscape pages, below them on portrait ones) and a footer (attribution).
Saving fixes every date and random id, so the same map gives the same bytes (image regression tests).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from placegeo.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH

PAPERS: dict[str, tuple[float, float]] = {
    "a4-landscape": (297.0, 210.0),
    "a4-portrait": (210.0, 297.0),
    "a3-landscape": (420.0, 297.0),
    "16:9": (338.667, 190.5),  # a widescreen slide (13.333 x 7.5 in, PowerPoint's default)
}
FORMATS = ("png", "pdf", "svg")
LAYOUT_DPI = 100
"""Labels are placed at this dpi whatever the output dpi, so every format shows the same labels."""

FONTS = ("DejaVu Sans", "DejaVu Serif", "STIXGeneral", "DejaVu Sans Mono")
"""The font and its fallbacks, in order: a character DejaVu Sans lacks is drawn from the first that has it."""

GLYPH_WARNING = r"Glyph \d+ .* missing from font"
"""Matplotlib's warning for a character no font has: silenced, placegeo says it once (:func:`missing_glyphs`)."""

RC = {
    "svg.fonttype": "none",  # text stays text in SVG
    "svg.hashsalt": "placegeo",  # stable clip-path and hatch ids
    "pdf.fonttype": 42,  # TrueType in PDF: selectable, searchable text
    "font.family": list(FONTS),  # ship with matplotlib: the same glyphs on every machine; later ones fill gaps
    "hatch.linewidth": 0.6,
    "axes.unicode_minus": False,
    "text.parse_math": False,  # a place or title with $ signs is text, never mathtext (an unbalanced $ raised)
}


@dataclass(frozen=True)
class Paper:
    """A page size in millimetres, and a font scale (larger pages get larger type)."""

    name: str
    width: float
    height: float

    @property
    def landscape(self) -> bool:
        return self.width >= self.height

    @property
    def inches(self) -> tuple[float, float]:
        return self.width / MM_PER_INCH, self.height / MM_PER_INCH

    @property
    def scale(self) -> float:
        """Type scale: 1 on A4, larger on A3 and slides."""
        return max(1.0, min(self.width, self.height) / 210.0)


def paper(name: str) -> Paper:
    """The named paper size; a UsageError lists the known ones."""
    key = name.strip().lower()
    if key not in PAPERS:
        raise UsageError(f"unknown paper '{name}'", hint=f"use one of {', '.join(PAPERS)}")
    width, height = PAPERS[key]
    return Paper(key, width, height)


@dataclass(frozen=True)
class Box:
    """A rectangle on the page in millimetres from the bottom-left corner."""

    x: float
    y: float
    width: float
    height: float

    def fraction(self, page: Paper) -> tuple[float, float, float, float]:
        """As figure fractions (left, bottom, width, height) for ``Figure.add_axes``."""
        return (self.x / page.width, self.y / page.height, self.width / page.width, self.height / page.height)


def format_for(out: str | Path | None, fmt: str | None) -> str:
    """The output format: ``fmt`` when given (must agree with the file's suffix), else the suffix, else png."""
    suffix = Path(out).suffix.lower().lstrip(".") if out else ""
    if fmt:
        fmt = fmt.lower().lstrip(".")
        if fmt not in FORMATS:
            raise UsageError(f"unknown format '{fmt}'", hint=f"use one of {', '.join(FORMATS)}")
        if suffix and suffix != fmt:
            raise UsageError(f"--format {fmt} does not match the file name {Path(out).name}")
        return fmt
    if suffix in FORMATS:
        return suffix
    if suffix:
        raise UsageError(f"cannot tell the format from '{Path(out).name}'", hint="end the file name in .png, .pdf "
                         "or .svg, or pass --format")
    return "png"


def new_figure(page: Paper) -> Figure:
    """A figure the size of the page, on the Agg canvas (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=page.inches, dpi=LAYOUT_DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def metadata(fmt: str, title: str) -> dict[str, object]:
    """Output metadata with no dates and no version strings: the same map gives the same file."""
    if fmt == "pdf":
        return {"Title": title, "Creator": "placegeo", "Producer": "placegeo", "CreationDate": None, "ModDate": None}
    if fmt == "svg":
        return {"Title": title, "Creator": "placegeo", "Date": None}
    return {"Title": title, "Software": "placegeo"}


@contextmanager
def quiet_glyphs() -> Iterator[None]:
    """Matplotlib's per-character "Glyph ... missing" warnings silenced (placegeo warns once instead)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=GLYPH_WARNING)
        yield


def missing_glyphs(fig: Figure) -> list[str]:
    """The characters of the figure's text that none of :data:`FONTS` can draw (shown as boxes), in order."""
    from matplotlib.font_manager import findfont, get_font
    from matplotlib.text import Text

    fonts = [get_font(findfont(family)) for family in FONTS]
    chars = dict.fromkeys(c for t in fig.findobj(Text) for c in t.get_text() if not c.isspace() and ord(c) > 127)
    return [c for c in chars if all(font.get_char_index(ord(c)) == 0 for font in fonts)]


def save_figure(fig: Figure, target: Path, fmt: str, dpi: int, title: str) -> None:
    """Write ``fig`` to ``target`` (a path the caller made atomic) in ``fmt`` at ``dpi``."""
    import matplotlib

    with matplotlib.rc_context(RC), quiet_glyphs():
        fig.savefig(target, format=fmt, dpi=dpi, metadata=metadata(fmt, title), facecolor="white")
