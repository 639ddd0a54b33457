"""Labels that do not collide: names inside their polygon, else on a leader line, else left out.

Each label is rendered and its bounding box measured (``Text.get_window_extent``) before it is kept: it must
lie inside the map panel, clear of every label already placed and of the map furniture (scale bar, north
arrow), and, for an inside label, within its polygon. Sizes step down from the largest that suits the
place; a long name may wrap onto two lines. A place too small for its name gets the name beside it on a
short leader line; when even that finds no room the name is left out (the legend still names the place)
and reported in ``omitted``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from placegeo.render.palette import INK
from placegeo.render.shapes import label_point

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

PAD_PX = 3.0
INSIDE_SHARE = 0.9
"""A label box counts as inside its polygon when this share of it is."""


def halo(width: float = 2.4) -> list[Any]:
    """A white outline round text, legible on any fill."""
    from matplotlib.patheffects import withStroke

    return [withStroke(linewidth=width, foreground="white")]


def wrapped(text: str) -> list[str]:
    """The text as it is, and split over two lines at the space nearest its middle (for long names)."""
    variants = [text]
    if len(text) > 12 and " " in text and "\n" not in text:
        middle = len(text) / 2
        cut = min((i for i, ch in enumerate(text) if ch == " "), key=lambda i: abs(i - middle))
        variants.append(text[:cut] + "\n" + text[cut + 1:])
    return variants


@dataclass
class Labeller:
    """Places labels on one map panel, never on top of each other or of the furniture."""

    fig: Figure
    ax: Axes
    obstacles: list[Bbox] = field(default_factory=list)
    placed: list[Text] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.renderer = self.fig.canvas.get_renderer()
        self.panel = self.ax.get_window_extent(self.renderer)
        self.px_per_mm = self.fig.dpi / 25.4

    def block(self, bbox: Bbox) -> None:
        """Keep labels off ``bbox`` (display coordinates)."""
        self.obstacles.append(bbox)

    def _clear(self, box: Bbox) -> bool:
        grown = box.expanded(1, 1).padded(PAD_PX)
        if not (self.panel.x0 <= box.x0 and box.x1 <= self.panel.x1 and self.panel.y0 <= box.y0
                and box.y1 <= self.panel.y1):
            return False
        return not any(grown.overlaps(other) for other in self.obstacles)

    def _inside(self, box: Bbox, geom) -> bool:
        import shapely

        (x0, y0), (x1, y1) = self.ax.transData.inverted().transform([[box.x0, box.y0], [box.x1, box.y1]])
        rect = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        return rect.area > 0 and shapely.intersection(rect, geom).area >= INSIDE_SHARE * rect.area

    def _try(self, text: str, xy, size: float, style: dict, geom=None, **extra) -> Text | None:
        artist = self.ax.text(*xy, text, fontsize=size, ha="center", va="center", multialignment="center",
                              color=INK, path_effects=halo(), zorder=20, **style, **extra)
        box = artist.get_window_extent(self.renderer)
        if self._clear(box) and (geom is None or self._inside(box, geom)):
            return artist
        artist.remove()
        return None

    def _keep(self, artist: Text, gid: str | None) -> Text:
        if gid:
            artist.set_gid(gid)
        self.placed.append(artist)
        self.obstacles.append(artist.get_window_extent(self.renderer))
        return artist

    def place(self, text: str, geom, *, sizes: tuple[float, ...], style: dict | None = None, gid: str | None = None,
              leader: bool = True) -> Text | None:
        """Label ``geom`` with ``text``: inside it if there is room, else on a leader line, else not at all."""
        style = style or {}
        candidates = inside_points(geom)
        for size in sizes:
            for variant in wrapped(text):
                for xy in candidates:
                    artist = self._try(variant, xy, size, style, geom)
                    if artist is not None:
                        return self._keep(artist, gid)
        if leader:
            artist = self._leader(text, candidates[0], min(sizes), style)
            if artist is not None:
                return self._keep(artist, gid)
        self.omitted.append(text)
        return None

    def _leader(self, text: str, anchor, size: float, style: dict) -> Text | None:
        """The label beside its anchor, joined to it by a thin line."""
        ax_xy = self.ax.transData.transform([anchor])[0]
        inverse = self.ax.transData.inverted()
        for radius_mm in (9.0, 14.0, 20.0, 28.0):
            for angle in (30, 150, 210, 330, 90, 270, 0, 180):
                offset = radius_mm * self.px_per_mm * np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
                xy = inverse.transform([ax_xy + offset])[0]
                for variant in wrapped(text):
                    artist = self._try(variant, xy, size, style)
                    if artist is None:
                        continue
                    artist.remove()
                    note = self.ax.annotate(
                        variant, xy=tuple(anchor), xytext=tuple(xy), fontsize=size, ha="center", va="center",
                        multialignment="center", color=INK, path_effects=halo(), zorder=20, annotation_clip=False,
                        arrowprops={"arrowstyle": "-", "color": INK, "lw": 0.6, "shrinkA": 2, "shrinkB": 0},
                        **style)
                    return note
        return None


def inside_points(geom, grid: int = 6) -> list[tuple[float, float]]:
    """Candidate label centres inside ``geom``: its pole of inaccessibility first, then a grid, nearest first."""
    import shapely

    anchor = label_point(geom)
    points = [(anchor.x, anchor.y)]
    rep = geom.representative_point()
    points.append((rep.x, rep.y))
    minx, miny, maxx, maxy = geom.bounds
    xs = np.linspace(minx, maxx, grid + 2)[1:-1]
    ys = np.linspace(miny, maxy, grid + 2)[1:-1]
    gx, gy = np.meshgrid(xs, ys)
    grid_points = shapely.points(gx.ravel(), gy.ravel())
    inside = shapely.contains_xy(geom, gx.ravel(), gy.ravel())
    chosen = [(p.x, p.y) for p, ok in zip(grid_points, inside, strict=True) if ok]
    chosen.sort(key=lambda p: (p[0] - anchor.x) ** 2 + (p[1] - anchor.y) ** 2)
    return points + chosen


def font_sizes(area_m2: float, metres_per_mm: float, *, largest: float = 11.0, smallest: float = 6.0,
               scale: float = 1.0) -> tuple[float, ...]:
    """Font sizes to try for a polygon of ``area_m2``, largest first: bigger places get bigger names."""
    side_mm = float(np.sqrt(max(area_m2, 0.0))) / metres_per_mm
    top = float(np.clip(side_mm * 0.22, smallest, largest)) * scale
    sizes = [top]
    while sizes[-1] - 1 >= smallest * scale:
        sizes.append(sizes[-1] - 1)
    return tuple(sizes)
