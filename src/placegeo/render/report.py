"""`placegeo report`: one Comparison written as HTML, XLSX, Markdown, CSV and JSON, all at once.

Every format is a view of the same :class:`~placegeo.comparison.Comparison`: the tables and sentences come
from the typed Comparison (:mod:`placegeo.render.report_model`), every scorecard figure through the metric
registry (:mod:`placegeo.registry`), the CSV and JSON files are the engine's own
(`compare --out` / `compare --format json`), and the maps come from :mod:`placegeo.render.maps`. The
files appear together or not at all (:func:`placegeo.io.atomic_directory`), and an existing report is
only replaced with ``force``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo.errors import UsageError
from placegeo.registry import LAYER_METRICS, Metric
from placegeo.render.report_model import (
    NOISE_NOTE,
    Matrix,
    ReportModel,
    Source,
    build_model,
    km2,
    licence_lines,
    pct,
    people,
    profile_columns,
    score_cell,
    score_text,
)

if TYPE_CHECKING:
    from placegeo.api import MapInputs
    from placegeo.results import Comparison, OptionResult

FORMATS = ("html", "xlsx", "md", "csv", "json")
HINT = ",".join(FORMATS)
HTML_NAME = "report.html"
XLSX_NAME = "report.xlsx"
MD_NAME = "report.md"
JSON_NAME = "comparison.json"


def parse_formats(text: str | Iterable[str]) -> list[str]:
    """``"html,xlsx"`` -> ``["html", "xlsx"]`` in canonical order; unknown names are a usage error."""
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = {item.strip().lower() for item in items if item.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise UsageError(f"unknown report format '{unknown[0]}'", hint=f"use a comma-separated list of {HINT}")
    if not wanted:
        raise UsageError("no report format given", hint=f"use a comma-separated list of {HINT}")
    return [f for f in FORMATS if f in wanted]


def write_report(
    comparison: Comparison,
    out: str | Path,
    *,
    formats: Iterable[str] = FORMATS,
    force: bool = False,
    maps: Mapping[str, MapInputs] | None = None,
) -> list[Path]:
    """Write an existing Comparison as a report: every file staged first, then moved into ``out`` together.

    ``maps`` holds, per option name, what its HTML map draws (:func:`placegeo.api.report_maps`); an option
    without one gets a plain map of its places, and ``None`` leaves the maps out."""
    from placegeo.io import atomic_directory
    from placegeo.progress import phase

    formats = parse_formats(formats)
    model = report_model(comparison)
    names = output_names(formats)
    with phase(f"writing the report ({', '.join(formats)})"), atomic_directory(out, names, force=force) as staging:
        if "csv" in formats or "json" in formats:
            engine_files(comparison, staging, [n for n in names if n.endswith((".csv", ".json"))])
        if "md" in formats:
            from placegeo.render.report_md import markdown

            (staging / MD_NAME).write_text(markdown(model), encoding="utf-8")
        if "xlsx" in formats:
            from placegeo.render.report_xlsx import write_xlsx

            write_xlsx(model, staging / XLSX_NAME)
        if "html" in formats:
            colours = report_colours(comparison, maps)
            with phase(f"drawing {len(maps)} map{'s' if len(maps) != 1 else ''}" if maps else "drawing maps"):
                svgs = option_maps(comparison, maps, colours) if maps is not None else {}
            (staging / HTML_NAME).write_text(html(model, comparison, svgs, colours), encoding="utf-8")
    return [Path(out) / n for n in names]


def output_names(formats: Sequence[str]) -> list[str]:
    """The files a report writes, in a fixed order; none is named from user text."""
    from placegeo.compare_output import TABLES

    names = []
    for fmt in formats:
        if fmt == "csv":
            names.extend(f"{t}.csv" for t in TABLES)
        else:
            names.append({"html": HTML_NAME, "xlsx": XLSX_NAME, "md": MD_NAME, "json": JSON_NAME}[fmt])
    return names


def engine_files(comparison: Comparison, staging: Path, names: list[str]) -> None:
    """CSV tables and the JSON document written by the engine's own writer (`compare --out`), so they are
    the same bytes; the option GeoPackages it would also write are not made (a report does not ship them)."""
    import shutil
    import tempfile

    from placegeo.compare_output import write_outputs

    with tempfile.TemporaryDirectory(prefix=".compare-", dir=staging) as tmp:
        write_outputs(comparison, tmp, force=True, geopackages=False)
        for name in names:
            shutil.move(str(Path(tmp) / name), str(staging / name))


# --------------------------------------------------------------------------------------------------
# the model: tables and sentences from the Comparison


def report_model(comparison: Comparison) -> ReportModel:
    """The report's tables and sentences (from the typed Comparison), with overlap matrices and data sources."""
    return build_model(comparison, sources=sources(comparison), matrices=matrices(comparison))


def matrices(comparison: Comparison) -> list[Matrix]:
    """Per option and reference layer: each unit's shares (primary weight) across the places."""
    primary = comparison.settings.primary
    out = []
    for opt in comparison.options:
        places = [p.name for p in opt.places]
        for layer_id, result in opt.results.items():
            rows = []
            for unit in result.units:
                shares = unit.shares.get(primary) or unit.shares.get("area") or {}
                rows.append((unit.code, unit.name, [shares.get(p) for p in places]))
            out.append(Matrix(option=opt.name, layer=layer_id, places=places, rows=rows))
    return out


def sources(comparison: Comparison) -> list[Source]:
    """Every layer the report used (reference layers, options' building blocks, population), once each."""
    from placegeo.catalogue import load_catalogue

    catalogue = load_catalogue()
    roles: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    licences: dict[str, str] = {}

    def add(layer_id: str | None, role: str, title: str | None = None, licence: str | None = None) -> None:
        if not layer_id:
            return
        if role not in roles.setdefault(layer_id, []):
            roles[layer_id].append(role)
        if title:
            titles.setdefault(layer_id, title)
        if licence:
            licences.setdefault(layer_id, licence)

    for info in comparison.layers:
        add(info.id, "reference layer", info.title, info.attribution)
    for opt in comparison.options:
        entry = catalogue.get(opt.blocks_layer) if opt.blocks_layer else None
        add(opt.blocks_layer, "building blocks", entry.title if entry else None, entry.licence if entry else None)
    add(comparison.settings.population_layer, "population")
    out = []
    for layer_id, role in roles.items():
        entry = catalogue.get(layer_id)
        vintage = entry.vintage if entry else "not in the bundled catalogue (user file)"
        out.append(Source(
            id=layer_id,
            title=titles.get(layer_id) or (entry.title if entry else layer_id),
            vintage=vintage,
            population_vintage=(entry.population_vintage or "") if entry else "",
            publisher=entry.publisher if entry else "",
            licence=licences.get(layer_id) or (entry.licence if entry else "") or "",
            role=", ".join(role),
            caveat=(entry.caveat or "") if entry else "",
        ))
    return out


# --------------------------------------------------------------------------------------------------
# HTML


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("placegeo.render", "templates"),
        autoescape=True,  # every value from users' files is escaped; maps are passed as Markup on purpose
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


SCORE_METRICS: tuple[Metric, ...] = tuple(m for m in LAYER_METRICS if "html" in m.views)
"""Scorecard rows of the HTML and Markdown reports: the registry's metrics shown in them, in its order."""


def score_value(model: ReportModel, option: str, layer: str, key: str) -> float | int | None:
    score = model.scorecard.get((option, layer))
    return None if score is None else score.get(key)


def report_colours(comparison: Comparison, maps: Mapping[str, MapInputs] | None = None) -> dict[str, str]:
    """Place name -> colour for every map and swatch of a report: neighbours differ, a place (same name or
    footprint) has one colour in every option, different places differ while the palette lasts."""
    from placegeo.render.palette import page_colours, place_colours

    panels = []
    for opt in comparison.options:
        inputs = (maps or {}).get(opt.name)
        frame = inputs.options[0].frame if inputs is not None else opt.frame
        if frame is None:
            return place_colours([[p.name for p in o.places] for o in comparison.options])
        panels.append(dict(zip(frame["place"].astype(str), frame.geometry.values, strict=True)))
    return page_colours(panels)


def html(model: ReportModel, comparison: Comparison, maps: dict[str, str] | None = None,
         colours: Mapping[str, str] | None = None) -> str:
    """The self-contained HTML report (styles inline, maps as inline SVG, no external resource); ``colours``
    as :func:`report_colours` (the default)."""
    from importlib.metadata import PackageNotFoundError, version

    from markupsafe import Markup

    try:
        ver = version("placegeo")
    except PackageNotFoundError:  # pragma: no cover
        ver = "unknown"
    metrics_shown = [m for m in SCORE_METRICS if any(score_value(model, o, lid, m.key) is not None
                                                     for o in model.options for lid in model.layers)]

    def best(layer: str, item: Metric) -> str | None:
        """The option with the best value in a row (None on a tie, or for a metric with no better direction)."""
        values = [(score_value(model, o, layer, item.key), o) for o in model.options]
        ranked = sorted([(round(v, 6), o) for v, o in values if v is not None], key=lambda vo: vo[0],
                        reverse=item.better == "higher")
        if item.better is None or len(ranked) < 2:
            return None
        return ranked[0][1] if ranked[0][0] != ranked[1][0] else None

    settings = comparison.settings
    pop_text = "no population layer (area weights only)"
    if settings.population_layer:
        src = next((s for s in model.sources if s.id == settings.population_layer), None)
        vintage = f", {src.population_vintage}" if src and src.population_vintage else ""
        pop_text = f"the small-area layer {settings.population_layer}{vintage}"
    descriptions = {o.name: o.description for o in comparison.options}
    shared = dict(colours) if colours is not None else report_colours(comparison)
    return _environment().get_template("report.html.j2").render(
        m=model,
        version=ver,
        metrics=metrics_shown,
        score=lambda o, lid, item: score_value(model, o, lid, item.key),
        fmt=lambda item, o, lid: score_cell(model, o, lid, item),
        best=best,
        pct=pct,
        people=people,
        km2=km2,
        maps={o: Markup(svg) for o, svg in (maps or {}).items()},
        colours={o.name: {p.name: shared[p.name] for p in o.places if p.name in shared} for o in comparison.options},
        descriptions=descriptions,
        licences=licence_lines(model),
        map_note=("Hatched, one small map per reference layer: the units the option splits, labelled with their "
                  "shares." if comparison.layers else ""),
        primary=settings.primary,
        snap=settings.snap,
        population_text=pop_text,
        profile=profile_columns(model, "html"),
        figure=score_text,
        core20_splits=lambda splits: any(s.core20_moved is not None for s in splits),
        noise_note=NOISE_NOTE.format(snap=model.snap),
    )


# --------------------------------------------------------------------------------------------------
# maps as inline SVG


def option_maps(comparison: Comparison, maps: Mapping[str, MapInputs],
                colours: Mapping[str, str] | None = None) -> dict[str, str]:
    """Option name -> inline SVG of its map (ids prefixed per map, so several maps share one page).

    Drawn by :func:`placegeo.render.maps.draw_map` from ``maps`` (one small multiple per reference layer the
    option splits, its units hatched); an option not in ``maps`` gets a plain map of its places. Every map
    colours a place alike (``colours``, default :func:`report_colours`).
    """
    import warnings

    import matplotlib

    from placegeo.render.pages import RC

    colours = dict(colours) if colours is not None else report_colours(comparison, maps)
    out = {}
    for index, opt in enumerate(comparison.options, start=1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the report's own sources section carries the licence lines
            with matplotlib.rc_context(RC):  # text is text, never mathtext (plain maps too)
                figure = option_figure(opt, maps.get(opt.name), comparison, colours)
        if figure is not None:
            out[opt.name] = inline_svg(figure, prefix=f"map{index}-")
    return out


def option_figure(opt: OptionResult, inputs: MapInputs | None, comparison: Comparison,
                  colours: Mapping[str, str] | None = None):
    """The option's map as a matplotlib Figure (None when there is nothing to draw)."""
    if inputs is not None:
        from placegeo.render.maps import draw_map

        return draw_map(inputs, tol=comparison.settings.tol, title=opt.name, warn=lambda _: None, colours=colours)
    if opt.frame is None or len(opt.frame) == 0:
        return None
    return plain_figure(opt, colours)


def plain_figure(opt: OptionResult, colours: Mapping[str, str] | None = None):
    """A simple map of the option's places, coloured by the shared palette, labelled by name."""
    from matplotlib.figure import Figure

    from placegeo.render.palette import INK, page_colours

    frame = opt.frame
    if colours is None:
        colours = page_colours([dict(zip(frame["place"].astype(str), frame.geometry.values, strict=True))])
    fig = Figure(figsize=(7.5, 6.5))
    ax = fig.add_axes((0, 0, 1, 1))
    frame.plot(ax=ax, color=[colours[n] for n in frame["place"]], edgecolor="white", linewidth=0.8)
    for name, geom in zip(frame["place"], frame.geometry, strict=True):
        point = geom.representative_point()
        ax.annotate(str(name), (point.x, point.y), ha="center", va="center", fontsize=8, color=INK)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^")]+)')


def _tight(figure) -> Any:
    """The figure's tight bounding box (padded as ``bbox_inches="tight"`` pads it), measured with the renderer its
    labels were placed with, so saving draws the figure once, not twice; "tight" for a figure without one."""
    import matplotlib

    get_renderer = getattr(figure.canvas, "get_renderer", None)
    if get_renderer is None:
        return "tight"
    return figure.get_tightbbox(get_renderer()).padded(matplotlib.rcParams["savefig.pad_inches"])


def inline_svg(figure, *, prefix: str) -> str:
    """A Figure as an ``<svg>`` element for inlining in HTML: no XML prolog, text kept as text, ids prefixed.

    Matplotlib escapes text it writes into SVG (``<`` becomes ``&lt;``), so place names stay inert.
    """
    import io
    import sys

    import matplotlib

    buffer = io.StringIO()
    from placegeo.render.pages import RC, quiet_glyphs

    with matplotlib.rc_context(RC), quiet_glyphs():
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches=_tight(figure))
    if "matplotlib.pyplot" in sys.modules:  # a pyplot-made figure: free it
        sys.modules["matplotlib.pyplot"].close(figure)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    start = text.find("<metadata>")  # one block, near the top: cut without a regex over the whole text
    if start >= 0:
        end = text.index("</metadata>", start) + len("</metadata>")
        text = text[:start] + text[end:].lstrip()
    text = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)
    return text
