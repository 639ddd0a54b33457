"""Board-paper maps of place options: ``draw_map`` returns a matplotlib Figure, ``save_map`` writes it.

One option, or several side by side at one scale with one legend. Each place is filled in its own colour
(colour-blind safe, neighbours never alike, one colour per place on a page: :mod:`placegeo.render.palette`);
sub-units are tints and shades of their place's colour inside a thicker place outline; overlays are outlines;
with ``highlight_splits`` the reference units the option splits are hatched (one hatching per split layer),
outlined strongly and labelled with their shares, † and a footnote when the layer is modelled. Every page has
a title, subtitle, a legend of every mark, a ticked scale bar in km, north arrow and the data's attribution.

Usable from a notebook::

    import placegeo
    fig = placegeo.map(["data/options/lsc-four-places-2022.yaml"], overlays=["lad21"], highlight_splits="ccg21")
    fig  # displays inline; or placegeo.save_map(fig, "board.pdf")

``placegeo.map`` (:func:`placegeo.tasks.map_options`) loads and measures through :func:`placegeo.api.map_inputs`
and hands the typed inputs to :func:`draw_map`, which only draws.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo.errors import UsageError
from placegeo.render import pages
from placegeo.render.attribution import attributions
from placegeo.render.furniture import footer, header, legend, north_arrow, scale_bar, wrap
from placegeo.render.palette import INK, page_colours, sequential, tint
from placegeo.render.shapes import SIMPLIFY_MM, boundary_segments, coverage_simplified, polygon_path, window
from placegeo.render.shapes import window_size as _window_size
from placegeo.results import CAVEAT_MARK, MODELLED

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from placegeo.api import MapInputs, Shade
    from placegeo.layers import Layer
    from placegeo.options import Option
    from placegeo.render.splits import SplitUnit

MARGIN_MM = 8.0
LEGEND_WIDTH_MM = 64.0
GAP_MM = 6.0
SUBUNIT_TINTS = (-0.2, 0.35, 0.65, -0.38, 0.5)
"""Sub-units are tints (lighter) and shades (darker, negative) of their place's colour, never the colour
itself, so the legend tells a place from its sub-units; neighbouring sub-units differ by at least 0.3."""
OVERLAY_STYLES = (
    {"color": "#222222", "linewidth": 0.9, "linestyle": (0, (5, 2))},
    {"color": "#333333", "linewidth": 1.1, "linestyle": (0, (1, 1.5))},
    {"color": "#000000", "linewidth": 0.6, "linestyle": "-"},
    {"color": "#444444", "linewidth": 0.9, "linestyle": (0, (6, 2, 1, 2))},
)
SPLIT_STYLE = {"facecolor": "none", "edgecolor": INK, "linewidth": 1.8}
SPLIT_HATCHES = ("///", "\\\\\\", "xxx", "...", "|||")
"""One hatching per split layer on a page (a report's small multiples show every reference layer)."""


class MapWarning(UserWarning):
    """Something a map's reader should know (e.g. no attribution for a user's own boundary file)."""


@dataclass
class _Panel:
    option: Option
    leaves: list[tuple[str, str | None, Any]]  # (place, sub-unit or None, simplified geometry)
    places: dict[str, Any]  # place -> simplified geometry
    splits: list[tuple[SplitUnit, Any]] = field(default_factory=list)  # (unit, simplified polygon)
    hatch: str = SPLIT_HATCHES[0]
    mark: str = ""  # "†" when the split layer is modelled or best-fit (its caveat is at the foot)


def draw_map(
    inputs: MapInputs,
    *,
    labels: bool = True,
    paper: str = "a4-landscape",
    title: str | None = None,
    subtitle: str | None = None,
    attribution: str | None = None,
    tol: float | None = None,
    warn: Callable[[str], None] | None = None,
    colours: Mapping[str, str] | None = None,
) -> Figure:
    """Draw the options of ``inputs`` (:func:`placegeo.api.map_inputs`: one option, or several side by side at
    one scale with one legend) on a page of ``paper``; loads and measures nothing.

    ``attribution``: a licence line for data without a catalogue entry (a user's own file); without it such a
    map warns through ``warn`` (default: :mod:`warnings`). ``tol`` is only named in the subtitle. ``colours``:
    place name -> colour when several maps share colours (a report); by default :func:`page_colours`.
    :func:`placegeo.map` (``placegeo.tasks.map_options``) loads, measures and draws in one call.
    """
    import matplotlib

    from placegeo.render.figure import as_map_figure  # Jupyter shows it inline without pyplot

    warn = warn or _warn
    page = pages.paper(paper)
    loaded, overlay_layers = inputs.options, inputs.overlays
    split_layer, practice_layer = inputs.split_layer, inputs.practice_layer
    panel_layers = inputs.split_layers or [split_layer] * len(loaded)
    split_set = list({layer.id: layer for layer in panel_layers if layer is not None}.values())

    shade = inputs.shade
    sources = [o.blocks for o in loaded] + overlay_layers + [*split_set, practice_layer]
    lines = list(attributions([(s.attribution, s.id) for s in sources if s is not None]
                              + (shade.credits if shade is not None else []) + [(attribution, None)]))
    drawn = [layer for layer in [*split_set, *overlay_layers] if layer.entry is not None]
    drawn += [o.blocks for o in loaded if o.blocks is not None and _modelled(o.blocks)]  # modelled places
    lines += list(dict.fromkeys(f"{CAVEAT_MARK if _modelled(layer) else 'Note:'} {_named(layer.id, layer.entry.caveat)}"
                                for layer in drawn if layer.entry.caveat))
    unlicensed = [_source_name(o) for o in loaded if o.blocks is None or o.blocks.entry is None]
    unlicensed += [layer.source for layer in overlay_layers if layer.entry is None]
    if unlicensed and not attribution:
        warn(f"no attribution for {', '.join(dict.fromkeys(unlicensed))}: pass --attribution TEXT with the licence "
             "line its publisher requires")

    splits: list[list[SplitUnit]] = [[] for _ in loaded]
    weight = "population"
    for i, (option, layer) in enumerate(zip(loaded, panel_layers, strict=True)):
        if layer is not None:
            from placegeo.render.splits import split_units

            own = inputs.splits[i]
            assert own is not None
            splits[i], weight = split_units(option, layer, own)

    from placegeo.progress import phase

    colours = dict(colours) if colours is not None else page_colours([footprints(o) for o in loaded])
    with phase(f"drawing {_title(loaded)}"), matplotlib.rc_context(pages.RC), pages.quiet_glyphs():
        fig = pages.new_figure(page)
        head = header(fig, page, title or _title(loaded), subtitle if subtitle is not None else
                      _subtitle(loaded, overlay_layers, split_set, tol, weight, shade), MARGIN_MM)
        foot = footer(fig, page, lines, MARGIN_MM)
        content = pages.Box(MARGIN_MM, MARGIN_MM + foot, page.width - 2 * MARGIN_MM,
                            page.height - 2 * MARGIN_MM - head - foot)
        maps_box, legend_box = _split_content(content, page, loaded)
        bounds = [_bounds(o) for o in loaded]
        boxes = _panel_boxes(maps_box, bounds, titled=len(loaded) > 1)
        size = _common_size(boxes, bounds)
        metres_per_mm = size[0] / boxes[0].width
        windows = [window(b, size) for b in bounds]
        simplified = {layer.id: _simplified(layer, metres_per_mm, windows)
                      for layer in [*overlay_layers, *split_set]}
        split_geoms = {layer.id: dict(zip(*simplified[layer.id], strict=True)) for layer in split_set}
        hatches = {layer.id: SPLIT_HATCHES[i % len(SPLIT_HATCHES)] for i, layer in enumerate(split_set)}
        shading = _shading(shade, metres_per_mm) if shade is not None else None
        overlays = [(layer, simplified[layer.id][1]) for layer in overlay_layers]
        for index, (option, box) in enumerate(zip(loaded, boxes, strict=True)):
            ax = fig.add_axes(box.fraction(page))
            ax.set_gid(f"map-panel-{index + 1}")
            _setup_axes(ax, windows[index])
            panel = _panel(option, metres_per_mm)
            layer = panel_layers[index]
            if layer is not None:
                panel.splits = [(unit, split_geoms[layer.id].get(unit.code, unit.geometry)) for unit in splits[index]]
                panel.hatch = hatches[layer.id]
                panel.mark = CAVEAT_MARK if _modelled(layer) else ""
            if shading is not None:
                _draw_shading(ax, shading)
            _draw_panel(fig, ax, page, panel, colours, overlays, practice_layer, metres_per_mm, labels=labels,
                        filled=shading is None)
            if len(loaded) > 1:
                ax.set_title(_panel_title(loaded, panel_layers, index), fontsize=10 * page.scale, fontweight="bold",
                             loc="left", color=INK, pad=4)
        if shade is not None:
            handles, headings = _shade_handles(shade, page)
        else:
            handles, headings = _capped(*_place_handles(loaded, colours))
        outside = _outside_places(loaded, splits)
        handles += _other_handles(overlay_layers, split_set, hatches, practice_layer, page, outside=outside,
                                  filled=shade is None)
        legend(fig, page, handles, legend_box, headings=headings, title="Places" if shade is None else "Key")
    missing = pages.missing_glyphs(fig)
    if missing:
        warn(f"no font has {' '.join(missing)}: drawn as boxes on the map")
    return as_map_figure(fig)


def footprints(option: Option) -> dict[str, Any]:
    """Place name -> footprint polygon (what :func:`page_colours` colours by adjacency)."""
    frame = option.frame
    return dict(zip(frame["place"].astype(str), frame.geometry.values, strict=True))


def _panel_title(options: list[Option], layers: list[Layer | None], index: int) -> str:
    """A panel's title: its option's name, or (one option in small multiples) the layer whose splits it shows."""
    layer = layers[index]
    if len({o.name for o in options}) == 1 and layer is not None:
        return f"Split: {layer.title.split(',')[0]}"
    return options[index].name + (f": split {layer.id}" if layer is not None and len(set(map(id, layers))) > 1
                                  else "")


def _outside_places(options: list[Option], splits: list[list[SplitUnit]]) -> bool:
    """Whether any hatched unit reaches outside every place of its panel (drawn hatched on white)."""
    import shapely

    for option, units in zip(options, splits, strict=True):
        if units:
            footprint = shapely.union_all(option.frame.geometry.values)
            for unit in units:
                if shapely.area(shapely.difference(unit.geometry, footprint)) > 0.005 * shapely.area(unit.geometry):
                    return True
    return False


def _modelled(layer: Layer) -> bool:
    """Whether the layer is modelled or best-fit, so the figures drawn from it carry † and its caveat."""
    return layer.entry is not None and layer.entry.exactness in MODELLED


def _named(layer_id: str, caveat: str) -> str:
    """The caveat with the layer it is about named first (once)."""
    return caveat if caveat.startswith(layer_id) else f"{layer_id}: {caveat}"


def save_map(fig: Figure, out: str | Path, *, fmt: str | None = None, dpi: int = 200, force: bool = False) -> Path:
    """Write a map figure to ``out`` (png, pdf or svg; from the suffix unless ``fmt``), atomically."""
    from placegeo.io import atomic_path

    fmt = pages.format_for(out, fmt)
    if not 20 <= dpi <= 1200:
        raise UsageError(f"--dpi {dpi} is out of range", hint="use 20 to 1200 (150-300 for slides and print)")
    out = Path(out)
    title = fig.texts[0].get_text().replace("\n", " ") if fig.texts else "placegeo map"
    from placegeo.progress import phase

    with phase(f"writing {out.name}"), atomic_path(out, force=force) as tmp:
        pages.save_figure(fig, tmp, fmt, dpi, title)
    return out


# -- loading -------------------------------------------------------------------------------------------------


def _warn(message: str) -> None:
    warnings.warn(message, MapWarning, stacklevel=3)


def _source_name(option: Option) -> str:
    if option.blocks is not None:
        return option.blocks.source
    return str(option.source) if option.source else option.name


def _bounds(option: Option) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in option.frame.total_bounds)


# -- text ----------------------------------------------------------------------------------------------------


def _title(options: list[Option]) -> str:
    if len(options) == 1:
        return options[0].name
    return " vs ".join(o.name for o in options) if len(options) == 2 else f"{len(options)} place options compared"


def _geography(option: Option) -> str:
    """Which geography and vintage an option's places are built from."""
    if option.blocks is None:
        return f"drawn in {Path(str(option.source)).name}" if option.source else "drawn by hand"
    text = f"built from {option.blocks.title}" + (f" {CAVEAT_MARK}" if _modelled(option.blocks) else "")
    if option.blocks.entry is not None and option.blocks.entry.vintage:
        vintage = re.sub(r"\s*\([^()]*\)", "", option.blocks.entry.vintage.split(";")[0]).strip()
        text += f" (vintage: {vintage})"
    return text


def _subtitle(options: list[Option], overlays: list[Layer], split_layers: list[Layer], tol: float | None,
              weight: str, shade: Shade | None = None) -> str:
    parts = []
    for option in {o.name: o for o in options}.values():
        n = len(option.places)
        subs = " with sub-units" if option.has_subunits else ""
        lead = f"{option.name}: " if len({o.name for o in options}) > 1 else ""
        parts.append(f"{lead}{n} place{'s' if n != 1 else ''}{subs}, {_geography(option)}.")
    if overlays:
        parts.append("Outlines: " + "; ".join(layer.title for layer in overlays) + ".")
    if split_layers:
        from placegeo.metrics import DEFAULT_TOL

        titles = "; ".join(layer.title for layer in split_layers)
        parts.append(f"Hatched: {titles} units split between places (shares of {weight}; tolerance "
                     f"{(tol if tol is not None else DEFAULT_TOL):.0%}).")
    if shade is not None:
        parts.append(f"Shaded: {shade.title} ({shade.source}); places outlined.")
    return " ".join(parts)


# -- layout --------------------------------------------------------------------------------------------------


def _split_content(content: pages.Box, page: pages.Paper, options: list[Option]):
    """The maps area and the legend panel: legend to the right on landscape pages, below on portrait ones."""
    if page.landscape:
        width = LEGEND_WIDTH_MM * page.scale
        maps = pages.Box(content.x, content.y, content.width - width - GAP_MM, content.height)
        return maps, pages.Box(content.x + content.width - width, content.y, width, content.height)
    entries = len({n for o in options for n in o.place_names}) + 6
    entries += sum(len(p.subunits.places) for o in options for p in o.places if p.subunits)
    height = min(content.height * 0.3, 12 + 5.5 * page.scale * -(-entries // 3))
    maps = pages.Box(content.x, content.y + height + GAP_MM, content.width, content.height - height - GAP_MM)
    return maps, pages.Box(content.x, content.y, content.width, height)


def _panel_boxes(area: pages.Box, bounds: list, *, titled: bool) -> list[pages.Box]:
    """One panel per option in the grid (rows x columns) that shows the maps largest at one common scale."""
    n = len(bounds)
    best = None
    for rows in range(1, n + 1):
        cols = -(-n // rows)
        width = (area.width - GAP_MM * (cols - 1)) / cols
        height = (area.height - GAP_MM * (rows - 1)) / rows - (7 if titled else 0)
        if width <= 10 or height <= 10:
            continue
        ext_w = max(b[2] - b[0] for b in bounds)
        ext_h = max(b[3] - b[1] for b in bounds)
        scale = min(width / ext_w, height / ext_h)
        if best is None or scale > best[0]:
            best = (scale, rows, cols, width, height)
    if best is None:
        raise UsageError("the page is too small for the maps", hint="use a larger --paper")
    _, rows, cols, width, height = best
    boxes = []
    for i in range(n):
        r, c = divmod(i, cols)
        y = area.y + area.height - (r + 1) * (height + (7 if titled else 0)) - r * GAP_MM
        boxes.append(pages.Box(area.x + c * (width + GAP_MM), y, width, height))
    return boxes


def _common_size(boxes: list[pages.Box], bounds: list) -> tuple[float, float]:
    """One window size (metres) for every panel: the same scale on each."""
    aspect = boxes[0].width / boxes[0].height
    sizes = [_window_size(b, aspect) for b in bounds]
    return max(s[0] for s in sizes), max(s[1] for s in sizes)


def _setup_axes(ax: Axes, win: tuple[float, float, float, float]) -> None:
    ax.set_xlim(win[0], win[1])
    ax.set_ylim(win[2], win[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color("#888888")
    ax.set_facecolor("white")


# -- drawing -------------------------------------------------------------------------------------------------


def _panel(option: Option, metres_per_mm: float) -> _Panel:
    """The option's leaves (sub-units where a place has them, else the place), simplified as one coverage."""
    import shapely

    frame = option.frame.set_index("place").geometry
    leaves: list[tuple[str, str | None, Any]] = []
    for place in option.places:
        if place.subunits is not None:
            sub = place.subunits.frame.set_index("place").geometry
            leaves.extend((place.name, s, sub.loc[s]) for s in place.subunits.place_names)
        else:
            leaves.append((place.name, None, frame.loc[place.name]))
    simplified = coverage_simplified([g for _, _, g in leaves], SIMPLIFY_MM * metres_per_mm)
    leaves = [(p, s, g) for (p, s, _), g in zip(leaves, simplified, strict=True)]
    grouped: dict[str, list[Any]] = {}
    for p, _, g in leaves:
        grouped.setdefault(p, []).append(g)
    places: dict[str, Any] = {}
    for place in option.places:
        parts = grouped.get(place.name, [])
        places[place.name] = parts[0] if len(parts) == 1 else shapely.coverage_union_all(parts)
    return _Panel(option, leaves, places)


def _patch(ax: Axes, geom, gid: str | None = None, **style):
    from matplotlib.patches import PathPatch

    path = polygon_path(geom)
    if path is None:
        return None
    patch = PathPatch(path, **style)
    if gid:
        patch.set_gid(gid)
    ax.add_artist(patch)  # as add_patch, less its data-limit update (every curve of the path walked): the window
    return patch  # is set already


def _lines(ax: Axes, geoms, gid: str, **style) -> None:
    from matplotlib.collections import LineCollection

    collection = LineCollection(boundary_segments(geoms), **style)
    collection.set_gid(gid)
    collection.set_capstyle("round")
    collection.set_joinstyle("round")
    ax.add_collection(collection, autolim=False)


OUTSIDE_ALPHA = 0.3
"""Small areas outside every place are shaded faintly: context, not the subject."""


def _shading(shade: Shade, metres_per_mm: float) -> tuple[Any, list[Any], Any]:
    """(simplified small-area polygons, their fill colours (faint outside the places), the class colours)."""
    from matplotlib.colors import to_rgba

    colours = sequential(len(shade.labels))
    geoms = coverage_simplified(shade.geoms, SIMPLIFY_MM * metres_per_mm)
    inside = shade.inside if shade.inside is not None else [True] * len(geoms)
    fills = [to_rgba(colours[int(c)], 1.0 if ok else OUTSIDE_ALPHA) for c, ok in zip(shade.classes, inside,
                                                                                         strict=True)]
    return geoms, fills, colours


def _draw_shading(ax: Axes, shading: tuple[Any, list[str], Any]) -> None:
    """The small areas filled by class, under everything else (thin same-colour edges close hairline gaps)."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch

    geoms, fills, _ = shading
    patches, colours, edges = [], [], []
    for geom, fill in zip(geoms, fills, strict=True):
        path = polygon_path(geom)
        if path is not None:
            patches.append(PathPatch(path))
            colours.append(fill)
            edges.append(fill if fill[3] >= 1 else (0.0, 0.0, 0.0, 0.0))  # faint areas: no edge to overlap
    collection = PatchCollection(patches, facecolors=colours, edgecolors=edges, linewidths=0.2, zorder=0.5)
    collection.set_gid("shade")
    ax.add_collection(collection, autolim=False)


def _shade_handles(shade: Shade, page: pages.Paper) -> tuple[list, list[int]]:
    """The legend: the shading's heading, its classes darkest first, and the place outline."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    colours = sequential(len(shade.labels))
    width = (LEGEND_WIDTH_MM - 14) * page.scale
    handles = [Patch(facecolor="none", edgecolor="none", label="\n".join(wrap(shade.title, width + 8, 8)))]
    for c in reversed(range(len(shade.labels))):
        handles.append(Patch(facecolor=colours[c], edgecolor="#888888", linewidth=0.4, label=shade.labels[c]))
    handles.append(Line2D([], [], color=INK, linewidth=1.6, label="Place boundary"))
    if shade.inside is not None and not all(shade.inside):
        handles.append(Patch(facecolor=colours[len(colours) // 2], alpha=OUTSIDE_ALPHA, edgecolor="none",
                             label="Outside the places (faint)"))
    return handles, [0]


def _draw_panel(fig: Figure, ax: Axes, page: pages.Paper, panel: _Panel, colours: dict[str, str],
                overlays: list[tuple[Layer, Any]], practice_layer: Layer | None, metres_per_mm: float, *,
                labels: bool, filled: bool = True) -> None:
    from placegeo.io import safe_filename
    from placegeo.progress import phase
    from placegeo.render.labels import Labeller, font_sizes

    option = panel.option
    for place, sub, geom in panel.leaves if filled else []:
        colour = colours[place]
        if sub is not None:
            i = [s for p, s, _ in panel.leaves if p == place].index(sub)
            colour = tint(colour, SUBUNIT_TINTS[i % len(SUBUNIT_TINTS)])
        gid = f"place-{safe_filename(place)}" + (f"-{safe_filename(sub)}" if sub else "")
        _patch(ax, geom, gid=gid, facecolor=colour, edgecolor="none", linewidth=0, zorder=1)
    subs = [g for _, s, g in panel.leaves if s is not None]
    if subs:
        _lines(ax, subs, "subunit-outlines", colors="white" if filled else INK, linewidths=0.9 if filled else 0.7,
               linestyles=["-" if filled else (0, (3, 2))], zorder=4)
    for index, (layer, geoms) in enumerate(overlays):
        style = OVERLAY_STYLES[index % len(OVERLAY_STYLES)]
        _lines(ax, geoms, f"overlay-{safe_filename(layer.id)}", colors=style["color"],
               linewidths=style["linewidth"], linestyles=[style["linestyle"]], zorder=5)
    if not filled:  # a white casing keeps the outline legible over dark shading
        _lines(ax, list(panel.places.values()), "place-casing", colors="white", linewidths=3.2, zorder=5.9)
    _lines(ax, list(panel.places.values()), "place-outlines", colors=INK, linewidths=1.3 if filled else 1.6, zorder=6)
    for unit, geom in panel.splits:
        _patch(ax, geom, gid=f"split-{safe_filename(unit.code)}", zorder=7, hatch=panel.hatch, **SPLIT_STYLE)
    if practice_layer is not None:
        points = practice_layer.frame.geometry
        xmin, xmax = ax.get_xlim()
        ymin, ymax = ax.get_ylim()
        inside = (points.x >= xmin) & (points.x <= xmax) & (points.y >= ymin) & (points.y <= ymax)
        dots = ax.scatter(points.x[inside], points.y[inside], s=7 * page.scale, marker="o", facecolor="white",
                          edgecolor=INK, linewidths=0.6, zorder=8)
        dots.set_gid("practices")
    bar = scale_bar(ax, page)
    north_arrow(ax, page)
    if not labels:
        return
    labeller = Labeller(fig, ax)
    _block_furniture(labeller, ax, page, bar)
    areas = {name: geom.area for name, geom in panel.places.items()}
    with_subunits = {p.name for p in option.places if p.subunits is not None}
    with phase(f"placing {len(areas):,} labels", total=len(areas)) as step:
        for name in sorted(panel.places, key=lambda n: -areas[n]):
            sizes = font_sizes(areas[name], metres_per_mm, largest=12, smallest=6.5, scale=page.scale)
            labeller.place(name, panel.places[name], sizes=sizes, style={"fontweight": "bold"},
                           gid=f"label-{safe_filename(name)}")
            step()
    for place, sub, geom in panel.leaves:
        if sub is None or place not in with_subunits:
            continue
        sizes = font_sizes(geom.area, metres_per_mm, largest=9, smallest=6, scale=page.scale)
        labeller.place(sub, geom, sizes=sizes, style={"fontstyle": "italic"}, gid=f"label-{safe_filename(sub)}")
    for unit, geom in panel.splits:
        name, _, shares = unit.label().partition("\n")
        text = f"{name} {panel.mark}\n{shares}" if panel.mark else unit.label()
        labeller.place(text, geom, sizes=(6.5 * page.scale, 6 * page.scale),
                       gid=f"split-label-{safe_filename(unit.code)}")


def _block_furniture(labeller, ax: Axes, page: pages.Paper, bar) -> None:
    """Keep labels off the scale bar (lower left) and the north arrow (upper right)."""
    from matplotlib.transforms import Bbox

    box = ax.get_window_extent(labeller.renderer)
    px = labeller.px_per_mm
    labeller.block(Bbox.from_extents(box.x0, box.y0, box.x0 + bar.width_mm * px, box.y0 + bar.height_mm * px))
    labeller.block(Bbox.from_extents(box.x1 - 13 * px, box.y1 - 19 * px * page.scale, box.x1, box.y1))


def _in_windows(frame, windows: list[tuple[float, float, float, float]]):
    """The rows of ``frame`` that reach into any map window (a subset of a coverage is still one)."""
    import numpy as np

    keep = np.zeros(len(frame), dtype=bool)
    for xmin, xmax, ymin, ymax in windows:
        keep[frame.sindex.query(_box(xmin, ymin, xmax, ymax))] = True
    return frame[keep]


def _box(xmin: float, ymin: float, xmax: float, ymax: float):
    import shapely

    return shapely.box(xmin, ymin, xmax, ymax)


def _simplified(layer: Layer, metres_per_mm: float, windows: list) -> tuple[list[str], Any]:
    """A layer's codes and polygons in any map window, simplified once as one coverage (edges stay shared)."""
    frame = _in_windows(layer.frame, windows)
    geoms = coverage_simplified(frame.geometry.values, SIMPLIFY_MM * metres_per_mm)
    return frame[layer.code].astype(str).tolist(), geoms


def _place_handles(options: list[Option], colours: dict[str, str]) -> tuple[list, list[int]]:
    """One legend entry per place (sub-units indented beneath), and the indices of section headings.

    Side by side, the places are listed under their option's name (a place already listed is not repeated),
    so a colour that repeats in another panel is never ambiguous.
    """
    from matplotlib.patches import Patch

    handles, headings, seen = [], [], set()
    options = list({o.name: o for o in options}.values())  # small multiples of one option: listed once
    for option in options:
        if len(options) > 1:
            headings.append(len(handles))
            handles.append(Patch(facecolor="none", edgecolor="none", label=option.name))
        for place in option.places:
            if place.name in seen:
                continue
            seen.add(place.name)
            handles.append(Patch(facecolor=colours[place.name], edgecolor=INK, linewidth=1.0, label=place.name))
            if place.subunits is not None:
                for i, sub in enumerate(place.subunits.place_names):
                    fill = tint(colours[place.name], SUBUNIT_TINTS[i % len(SUBUNIT_TINTS)])
                    handles.append(Patch(facecolor=fill, edgecolor="white", linewidth=0.6, label=f"    {sub}"))
    return handles, headings


LEGEND_MOST = 60
"""At most this many place entries in a legend: a map of thousands of places names them on the map, and the
legend says how many it leaves out (a legend of thousands could not be read, and took minutes to lay out)."""


def _capped(handles: list, headings: list[int], most: int = LEGEND_MOST) -> tuple[list, list[int]]:
    """The first ``most`` legend entries, and one line saying how many more there are."""
    from matplotlib.patches import Patch

    if len(handles) <= most:
        return handles, headings
    more = sum(1 for i in range(most, len(handles)) if i not in headings)
    kept = handles[:most] + [Patch(facecolor="none", edgecolor="none", label=f"... and {more:,} more places")]
    return kept, [i for i in headings if i < most]


def _other_handles(overlays: list[Layer], split_layers: list[Layer], hatches: dict[str, str],
                   practice_layer: Layer | None, page: pages.Paper, *, outside: bool = False,
                   filled: bool = True) -> list:
    """Legend entries for every other mark: place boundaries, overlays, each split layer's hatching, the
    white hatched parts of split units outside every place, GP practices."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    width = (LEGEND_WIDTH_MM - 14) * page.scale
    handles = []
    if filled:
        handles.append(Line2D([], [], color=INK, linewidth=1.3, label="Place boundary"))
    for index, layer in enumerate(overlays):
        style = OVERLAY_STYLES[index % len(OVERLAY_STYLES)]
        handles.append(Line2D([], [], color=style["color"], linewidth=style["linewidth"] * 1.3,
                              linestyle=style["linestyle"], label="\n".join(wrap(layer.title, width, 8))))
    for layer in split_layers:
        label = f"Split {layer.title}" + (f" {CAVEAT_MARK} (modelled: see the foot)" if _modelled(layer) else "")
        handles.append(Patch(label="\n".join(wrap(label, width, 8)), hatch=hatches[layer.id], **SPLIT_STYLE))
    if outside:
        hatch = hatches[split_layers[0].id] if len(split_layers) == 1 else SPLIT_HATCHES[0]
        label = "Hatched on white: the part of a split unit outside every place"
        handles.append(Patch(facecolor="white", edgecolor="#888888", linewidth=0.6, hatch=hatch,
                             label="\n".join(wrap(label, width, 8))))
    if practice_layer is not None:
        handles.append(Line2D([], [], marker="o", linestyle="none", markerfacecolor="white", markeredgecolor=INK,
                              markersize=4, label="GP practice"))
    return handles
