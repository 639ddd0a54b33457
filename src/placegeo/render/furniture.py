"""Map furniture: title and subtitle, legend, scale bar in km, north arrow, attribution lines.

Every artist carries a ``gid`` (an ``id`` in SVG output) so tests and readers can find it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from placegeo.render.pages import PT_PER_MM
from placegeo.render.palette import INK

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

    from placegeo.render.pages import Box, Paper

CHAR_WIDTH_EM = 0.55
"""Average DejaVu Sans character width, in ems, for wrapping text to a width in millimetres."""


def line_height_mm(size_pt: float, spacing: float = 1.25) -> float:
    return size_pt * spacing / PT_PER_MM


def wrap(text: str, width_mm: float, size_pt: float) -> list[str]:
    """``text`` wrapped to lines no wider than ``width_mm`` at ``size_pt`` (estimated)."""
    chars = max(20, int(width_mm * PT_PER_MM / (size_pt * CHAR_WIDTH_EM)))
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, chars) or [""])
    return lines


def header(fig: Figure, page: Paper, title: str, subtitle: str, margin: float) -> float:
    """Draw the title and subtitle at the top; return the header's height in mm."""
    title_pt, sub_pt = 15 * page.scale, 8.5 * page.scale
    width = page.width - 2 * margin
    title_lines = wrap(title, width, title_pt)[:2]
    sub_lines = wrap(subtitle, width, sub_pt)[:4] if subtitle else []
    top = page.height - margin
    fig.text(margin / page.width, top / page.height, "\n".join(title_lines), fontsize=title_pt, fontweight="bold",
             va="top", ha="left", color=INK, gid="map-title")
    height = len(title_lines) * line_height_mm(title_pt, 1.2)
    if sub_lines:
        fig.text(margin / page.width, (top - height - 1) / page.height, "\n".join(sub_lines), fontsize=sub_pt,
                 va="top", ha="left", color="#444444", linespacing=1.3, gid="map-subtitle")
        height += 1 + len(sub_lines) * line_height_mm(sub_pt, 1.3)
    return height + 3


def footer(fig: Figure, page: Paper, lines: list[str], margin: float) -> float:
    """Draw the attribution lines, small, at the foot; return the footer's height in mm."""
    size = 5.5 * page.scale
    width = page.width - 2 * margin
    wrapped_lines = [w for line in lines for w in wrap(line, width, size)]
    if not wrapped_lines:
        return 0.0
    fig.text(margin / page.width, (margin * 0.6) / page.height, "\n".join(wrapped_lines), fontsize=size,
             va="bottom", ha="left", color="#555555", linespacing=1.25, gid="attribution")
    return len(wrapped_lines) * line_height_mm(size) + 2


@dataclass(frozen=True)
class ScaleBarBox:
    """Where the scale bar sits, in millimetres from the panel's lower left corner (to keep labels off it)."""

    width_mm: float
    height_mm: float


def nice_length(target: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``target`` (a scale bar's round length)."""
    exponent = math.floor(math.log10(target))
    for leading in (5, 2, 1):
        if leading * 10**exponent <= target:
            return leading * 10.0**exponent
    return 10.0**exponent  # pragma: no cover - unreachable: 1 x 10^floor(log10(t)) <= t


def scale_ticks(length: float) -> list[float]:
    """Tick positions along a bar of a round ``length``: 0 to it in round steps (5 of 1, 4 of 0.5, 5 of 0.2)."""
    exponent = math.floor(math.log10(length))
    leading = round(length / 10**exponent)
    step = {5: 1.0, 2: 0.5, 1: 0.2}[leading] * 10**exponent
    count = round(length / step)
    return [round(i * step, 10) for i in range(count + 1)]


def km_label(value: float) -> str:
    return f"{value:g}"


def scale_bar(ax: Axes, page: Paper, fraction: float = 0.22) -> ScaleBarBox:
    """A scale bar in kilometres, lower left of the map panel: alternate dark and white segments of a round
    length (:func:`nice_length` of ``fraction`` of the panel), a tick at each segment, round-number labels
    (every tick where there is room, else the ends and the middle) and "km"."""
    from matplotlib.patches import Rectangle

    box = ax.get_position()
    width_mm, height_mm = box.width * page.width, box.height * page.height
    xmin, xmax = ax.get_xlim()
    km_per_mm = (xmax - xmin) / 1000 / width_mm
    length = nice_length(fraction * width_mm * km_per_mm)
    ticks = scale_ticks(length)
    size = 6.5 * page.scale
    pad, bar_h, tick_h = 3.0, 1.4, 1.0
    bar_mm = length / km_per_mm
    step_mm = bar_mm / (len(ticks) - 1)
    char_mm = size * CHAR_WIDTH_EM / PT_PER_MM
    widest = max(len(km_label(t)) for t in ticks) * char_mm
    half = len(ticks) // 2 if (len(ticks) - 1) % 2 == 0 else None
    shown = [i for i in range(len(ticks)) if step_mm >= widest + 1.5 or i in (0, len(ticks) - 1, half)]

    def fx(mm: float) -> float:
        return mm / width_mm

    def fy(mm: float) -> float:
        return mm / height_mm

    text_h = size / PT_PER_MM
    total_w = pad + bar_mm + 1.2 + 2.6 * char_mm + 2
    total_h = pad + bar_h + tick_h + text_h + 1.5
    backing = Rectangle((fx(pad - 2), fy(pad - 2)), fx(total_w - pad + 2), fy(total_h - pad + 2),
                        transform=ax.transAxes, facecolor="white", edgecolor="none", alpha=0.85, zorder=29)
    backing.set_gid("scale-bar")
    ax.add_patch(backing)
    for i in range(len(ticks) - 1):
        segment = Rectangle((fx(pad + i * step_mm), fy(pad)), fx(step_mm), fy(bar_h), transform=ax.transAxes,
                            facecolor=INK if i % 2 == 0 else "white", edgecolor=INK, linewidth=0.6, zorder=30)
        segment.set_gid(f"scale-bar-segment-{i + 1}")
        ax.add_patch(segment)
    for i, value in enumerate(ticks):
        x = fx(pad + i * step_mm)
        ax.plot([x, x], [fy(pad), fy(pad + bar_h + tick_h)], transform=ax.transAxes, color=INK, linewidth=0.6,
                zorder=30, gid=f"scale-bar-tick-{i}", solid_capstyle="butt")
        if i in shown:
            ax.text(x, fy(pad + bar_h + tick_h + 0.3), km_label(value), transform=ax.transAxes, ha="center",
                    va="bottom", fontsize=size, color=INK, zorder=30, gid="scale-bar-label")
    ax.text(fx(pad + bar_mm + 1.2), fy(pad + bar_h / 2), "km", transform=ax.transAxes, ha="left", va="center",
            fontsize=size, color=INK, zorder=30, gid="scale-bar-unit")
    return ScaleBarBox(total_w, total_h)


def north_arrow(ax: Axes, page: Paper, size_mm: float = 11.0):
    """A north arrow in the upper right of the map panel (grid north of the British National Grid)."""
    box = ax.get_position()
    height = size_mm / page.height / box.height  # in axes fraction
    x = 1 - 6.5 / page.width / box.width
    top = 1 - 4 / page.height / box.height
    from matplotlib.patches import FancyBboxPatch

    width = 8.0 / page.width / box.width
    backing = FancyBboxPatch((x - width / 2, top - height - 0.012), width, height + 0.02, transform=ax.transAxes,
                             boxstyle="round,pad=0,rounding_size=0.01", facecolor="white", edgecolor="none",
                             alpha=0.85, zorder=29)
    backing.set_gid("north-arrow-backing")
    ax.add_patch(backing)
    arrow = ax.annotate("", xy=(x, top - 0.32 * height), xytext=(x, top - height), xycoords="axes fraction",
                        arrowprops={"arrowstyle": "-|>,head_length=0.8,head_width=0.4", "color": INK, "lw": 1.4},
                        zorder=30)
    arrow.arrow_patch.set_gid("north-arrow")
    label = ax.text(x, top, "N", transform=ax.transAxes, ha="center", va="top", fontsize=9 * page.scale,
                    fontweight="bold", color=INK, zorder=30, gid="north-arrow-label")
    return arrow, label


def legend(fig: Figure, page: Paper, handles: list, panel: Box, *, title: str = "Places",
           headings: Iterable[int] = ()) -> Legend:
    """The legend, alone in its panel (never over the map); smaller type when the entries do not fit."""
    size = 8 * page.scale
    columns = 1 if page.landscape else max(1, min(3, int(panel.width // 60)))
    anchor = ((panel.x) / page.width, (panel.y + panel.height) / page.height)
    renderer = fig.canvas.get_renderer()
    leg = None
    while True:
        if leg is not None:
            leg.remove()
        leg = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=anchor, frameon=False, fontsize=size,
                         title=title, title_fontsize=size * 1.1, alignment="left", ncols=columns,
                         handlelength=1.8, handleheight=1.1, borderaxespad=0, borderpad=0, labelspacing=0.55)
        leg.set_gid("legend")
        leg.get_title().set_fontweight("bold")
        texts = leg.get_texts()
        for index in headings:
            texts[index].set_fontweight("bold")
            texts[index].set_gid("legend-heading")
        box = leg.get_window_extent(renderer)
        fits = (box.width <= panel.width / 25.4 * fig.dpi + 0.5 and box.height <= panel.height / 25.4 * fig.dpi + 0.5)
        if fits or size <= 5:
            return leg
        size -= 0.5
