"""Map furniture: title and subtitle, legend, scale bar in km, north arrow, attribution lines.

Every artist carries a ``gid`` (an ``id`` in SVG output) so tests and readers can find it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
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


def scale_bar(ax: Axes, page: Paper):
    """A scale bar in kilometres (matplotlib-scalebar), lower left of the map panel."""
    from matplotlib_scalebar.scalebar import ScaleBar

    class GroupedScaleBar(ScaleBar):
        """A ScaleBar drawn inside a named group, so SVG output carries its id."""

        def draw(self, renderer, *args, **kwargs):
            renderer.open_group("scale-bar", gid=self.get_gid())
            super().draw(renderer, *args, **kwargs)
            renderer.close_group("scale-bar")

    bar = GroupedScaleBar(1.0, units="m", dimension="si-length", fixed_units="km", location="lower left",
                   length_fraction=0.22, width_fraction=0.012, box_alpha=0.85, color=INK, scale_loc="top",
                   border_pad=0.6, font_properties={"size": 7 * page.scale})
    bar.set_gid("scale-bar")
    bar.set_zorder(30)
    ax.add_artist(bar)
    return bar


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
