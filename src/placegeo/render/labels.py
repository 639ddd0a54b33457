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


Box = tuple[float, float, float, float]
"""(x0, y0, x1, y1) in display pixels."""

GRID_PX = 48.0
"""Cell size of the grid that finds the obstacles near a candidate label (display pixels)."""


class BoxGrid:
    """Boxes bucketed into grid cells, so a collision test looks at the few boxes nearby, not at all of them
    (label placement stays linear in the number of labels, not quadratic)."""

    def __init__(self, cell: float = GRID_PX):
        self.cell = cell
        self.boxes: list[Box] = []
        self.cells: dict[tuple[int, int], list[int]] = {}

    def _span(self, box: Box):
        x0, y0, x1, y1 = box
        c = self.cell
        return range(int(x0 // c), int(x1 // c) + 1), range(int(y0 // c), int(y1 // c) + 1)

    def add(self, box: Box) -> None:
        x0, y0, x1, y1 = box
        box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        index = len(self.boxes)
        self.boxes.append(box)
        columns, rows = self._span(box)
        for i in columns:
            for j in rows:
                self.cells.setdefault((i, j), []).append(index)

    def hits(self, box: Box) -> bool:
        """Whether ``box`` touches any box added (touching edges count, as in ``Bbox.overlaps``)."""
        x0, y0, x1, y1 = box
        columns, rows = self._span(box)
        for i in columns:
            for j in rows:
                for index in self.cells.get((i, j), ()):
                    b = self.boxes[index]
                    if x0 <= b[2] and b[0] <= x1 and y0 <= b[3] and b[1] <= y1:
                        return True
        return False


@dataclass
class Labeller:
    """Places labels on one map panel, never on top of each other or of the furniture.

    A label's size is measured once per text and font size (its box only moves with its anchor), so trying
    a candidate position is arithmetic; a text artist is made only for the position kept.
    """

    fig: Figure
    ax: Axes
    obstacles: BoxGrid = field(default_factory=BoxGrid)
    placed: list[Text] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.renderer = self.fig.canvas.get_renderer()
        self.panel = self.ax.get_window_extent(self.renderer)
        self.px_per_mm = self.fig.dpi / 25.4
        self.to_display = self.ax.transData.frozen()  # the limits are set: one matrix, not the chain each time
        self.to_data = self.ax.transData.inverted().frozen()
        self._sizes: dict[tuple, Box] = {}

    def block(self, bbox: Bbox) -> None:
        """Keep labels off ``bbox`` (display coordinates)."""
        self.obstacles.add(tuple(bbox.extents))

    def _clear(self, box: Box) -> bool:
        x0, y0, x1, y1 = box
        panel = self.panel
        if not (panel.x0 <= x0 and x1 <= panel.x1 and panel.y0 <= y0 and y1 <= panel.y1):
            return False
        return not self.obstacles.hits((x0 - PAD_PX, y0 - PAD_PX, x1 + PAD_PX, y1 + PAD_PX))

    def _inside(self, box: Box, geom) -> bool:
        import shapely

        (x0, y0), (x1, y1) = self.to_data.transform([[box[0], box[1]], [box[2], box[3]]])
        x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        area = (x1 - x0) * (y1 - y0)
        if area <= 0:
            return False
        gx0, gy0, gx1, gy1 = geom.bounds  # the part of the box within the polygon's bounds is an upper bound
        within = max(0.0, min(x1, gx1) - max(x0, gx0)) * max(0.0, min(y1, gy1) - max(y0, gy0))
        if within < INSIDE_SHARE * area:
            return False
        rect = shapely.box(x0, y0, x1, y1)
        return shapely.intersection(rect, geom).area >= INSIDE_SHARE * area

    def _extent(self, text: str, size: float, style: dict) -> Box:
        """The label's box relative to its anchor (display pixels), measured once per text, size and style."""
        key = (text, size, tuple(sorted(style.items())))
        if key not in self._sizes:
            x, y = self.ax.get_xlim()[0], self.ax.get_ylim()[0]
            artist = self._artist(text, (x, y), size, style)
            box = artist.get_window_extent(self.renderer)
            artist.remove()
            px, py = self.to_display.transform((x, y))
            self._sizes[key] = (box.x0 - px, box.y0 - py, box.x1 - px, box.y1 - py)
        return self._sizes[key]

    def _artist(self, text: str, xy, size: float, style: dict, **extra) -> Text:
        return self.ax.text(*xy, text, fontsize=size, ha="center", va="center", multialignment="center",
                            color=INK, path_effects=halo(), zorder=20, **style, **extra)

    def _box(self, text: str, xy, size: float, style: dict) -> Box:
        dx0, dy0, dx1, dy1 = self._extent(text, size, style)
        px, py = self.to_display.transform(xy)
        return (px + dx0, py + dy0, px + dx1, py + dy1)

    def _fits(self, text: str, xy, size: float, style: dict, geom=None) -> bool:
        box = self._box(text, xy, size, style)
        return self._clear(box) and (geom is None or self._inside(box, geom))

    def _keep(self, artist: Text, gid: str | None) -> Text:
        if gid:
            artist.set_gid(gid)
        self.placed.append(artist)
        self.obstacles.add(tuple(artist.get_window_extent(self.renderer).extents))
        return artist

    def _too_big(self, text: str, size: float, style: dict, geom) -> bool:
        """Whether the label's box is larger than the polygon itself: then no position puts it inside."""
        dx0, dy0, dx1, dy1 = self._extent(text, size, style)
        origin, corner = self.to_data.transform([[0.0, 0.0], [dx1 - dx0, dy1 - dy0]])
        area = abs((corner[0] - origin[0]) * (corner[1] - origin[1]))
        return INSIDE_SHARE * area > geom.area * (1 + 1e-9)

    def place(self, text: str, geom, *, sizes: tuple[float, ...], style: dict | None = None, gid: str | None = None,
              leader: bool = True) -> Text | None:
        """Label ``geom`` with ``text``: inside it if there is room, else on a leader line, else not at all."""
        style = style or {}
        candidates = inside_points(geom)
        for size in sizes:
            for variant in wrapped(text):
                if self._too_big(variant, min(sizes), style, geom) or self._too_big(variant, size, style, geom):
                    continue  # (a name too big at the smallest size is too big at every size: measured once)
                for xy in candidates:
                    if self._fits(variant, xy, size, style, geom):
                        return self._keep(self._artist(variant, xy, size, style), gid)
        if leader:
            artist = self._leader(text, candidates[0], min(sizes), style)
            if artist is not None:
                return self._keep(artist, gid)
        self.omitted.append(text)
        return None

    def _leader(self, text: str, anchor, size: float, style: dict) -> Text | None:
        """The label beside its anchor, joined to it by a thin line."""
        ax_xy = self.to_display.transform([anchor])[0]
        for radius_mm in (9.0, 14.0, 20.0, 28.0):
            for angle in (30, 150, 210, 330, 90, 270, 0, 180):
                offset = radius_mm * self.px_per_mm * np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
                xy = self.to_data.transform([ax_xy + offset])[0]
                for variant in wrapped(text):
                    if not self._fits(variant, xy, size, style):
                        continue
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
