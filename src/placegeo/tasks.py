"""Whole jobs for the library, the notebook and the CLI: load and measure (:mod:`placegeo.api`), then draw or
write (:mod:`placegeo.render`).

The views only render typed results; these functions are the one place that chains the two, so a caller
gets a map or a report in one call without the views ever loading a layer or running a comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo.metrics import DEFAULT_SNAP, DEFAULT_TOL, NEIGHBOURHOOD_BAND, PLACE_BAND, Band

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from placegeo.options import Option
    from placegeo.results import Comparison

Warn = Callable[[str], None]


def map_options(
    options: Sequence[Option | str | Path] | Option | str | Path,
    *,
    overlays: Sequence[str | Path] = (),
    highlight_splits: str | Path | None = None,
    labels: bool = True,
    practices: bool = False,
    paper: str = "a4-landscape",
    title: str | None = None,
    subtitle: str | None = None,
    attribution: str | None = None,
    tol: float | None = None,
    population: Any = None,
    comparison: Comparison | None = None,
    engine: str | None = None,
    repair: bool | None = None,
    warn: Warn | None = None,
    shade: str | None = None,
    allow_overlaps: bool = False,
) -> Figure:
    """Draw one option, or several side by side at one scale with one legend, on a page of ``paper``.

    ``overlays``: layer ids or boundary files drawn as outlines. ``highlight_splits``: a reference layer
    whose units the option splits are hatched and labelled with their shares (``tol`` as in
    docs/metrics.md; read from ``comparison`` when it holds them; ``population`` is the small-area
    population layer, defaulting as in :func:`placegeo.compare`, so that the shares match
    ``placegeo compare``). ``attribution``: a licence line for data without a catalogue entry (a user's own
    file); without it such a map warns through ``warn`` (default: :mod:`warnings`). ``shade``: ``imd``,
    ``age65`` or ``population-density`` shades the small areas under the place outlines. ``allow_overlaps`` takes a
    ``highlight_splits`` file whose units overlap or leave gaps beyond edge noise, with a warning (as
    :func:`placegeo.compare`). Loading and measuring is
    :func:`placegeo.api.map_inputs`; drawing is :func:`placegeo.render.maps.draw_map`.
    """
    from placegeo.api import map_inputs
    from placegeo.render.maps import _warn, draw_map

    warn = warn or _warn
    inputs = map_inputs(options, overlays=overlays, highlight_splits=highlight_splits, practices=practices, tol=tol,
                        population=population, comparison=comparison, engine=engine, repair=repair, warn=warn,
                        shade=shade, allow_overlaps=allow_overlaps)
    return draw_map(inputs, labels=labels, paper=paper, title=title, subtitle=subtitle, attribution=attribution,
                    tol=tol, warn=warn)


def draw_option(option: Option | str | Path, **kwargs: Any) -> Figure:
    """Draw one option (see :func:`map_options` for the keyword arguments); returns the Figure."""
    return map_options([option], **kwargs)


map = map_options  # noqa: A001 - the public name `placegeo.map`


def report(
    options: Sequence[Any],
    against: Sequence[str | Path] | None,
    out: str | Path,
    *,
    formats: Sequence[str] | None = None,
    weight: str = "both",
    tol: float | None = None,
    snap: float | None = None,
    population: Any = None,
    place_band: Band | None = None,
    neighbourhood_band: Band | None = None,
    subunits: bool = False,
    force: bool = False,
    maps: bool = True,
    engine: str | None = None,
    repair: bool | None = None,
    warn: Warn | None = None,
    allow_overlaps: bool = False,
) -> list[Path]:
    """Compare ``options`` with ``against`` and write the report in ``formats`` into ``out``; return the paths.

    ``weight``, ``tol``, ``snap``, ``population``, the guidance bands, ``subunits``, ``allow_overlaps`` and
    ``warn`` are those of :func:`placegeo.compare` (defaults: both weights, 1 %, 50 m, the layers' population,
    up to 500,000 people a place and 30,000 to 50,000 a neighbourhood); ``against`` None follows the options'
    region.
    Existing files are refused (without ``force``) before any work. Loading and comparing is
    :func:`placegeo.api.report_inputs` (and :func:`placegeo.api.report_maps` for the HTML maps); writing is
    :func:`placegeo.render.report.write_report`."""
    from placegeo.api import CompareSettings, report_inputs, report_maps
    from placegeo.io import refuse_overwrite
    from placegeo.render.report import FORMATS, output_names, parse_formats, write_report

    wanted = parse_formats(FORMATS if formats is None else formats)
    refuse_overwrite([Path(out) / n for n in output_names(wanted)], force)
    settings = CompareSettings(weight=weight, tol=DEFAULT_TOL if tol is None else tol,
                               snap=DEFAULT_SNAP if snap is None else snap, population=population,
                               place_band=place_band or PLACE_BAND,
                               neighbourhood_band=neighbourhood_band or NEIGHBOURHOOD_BAND, subunits=subunits,
                               engine=engine, repair=repair, allow_overlaps=allow_overlaps)
    settings.check()
    comparison, loaded = report_inputs(options, against, settings, warn)
    drawn = report_maps(comparison, loaded) if maps and "html" in wanted else None
    return write_report(comparison, out, formats=wanted, force=force, maps=drawn)
