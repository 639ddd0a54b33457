"""The metric registry: every scorecard figure defined once, and every view iterates it.

The terminal scorecard, the CSV scorecard, the JSON document, and the report's XLSX, Markdown and HTML
all read their totals through :data:`LAYER_METRICS` (one option against one reference layer) and
:data:`OPTION_METRICS` (one option), so they cannot disagree. A view only formats a value; it computes
none. To add a figure, add a :class:`Metric` here and name the views that show it (``views``).

Pure: no heavy imports; results are read through their attributes only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from placegeo.results import LayerResult, OptionResult, PlaceSummary

Value = float | int | None
View = Literal["terminal", "csv", "json", "xlsx", "md", "html"]
REPORT: frozenset[View] = frozenset({"xlsx", "md", "html"})
_CSV: frozenset[View] = frozenset({"csv"})
_TERMINAL_CSV: frozenset[View] = frozenset({"terminal", "csv"})


@dataclass(frozen=True)
class Metric:
    """One figure: how to read it from a result, what to call it, and which way is better.

    ``key`` names it in the CSV scorecard (``<layer>:<key>``) and in JSON; ``tag`` in the HTML report's
    ``data-metric`` attribute (kept from earlier releases); ``label`` in the Markdown and HTML rows,
    ``heading`` in the XLSX column. ``unit`` is ``share`` (0..1), ``people``, ``count``, ``places``
    (a count out of the option's places), ``km2``, ``m2``, ``metres``, ``score`` (an IMD score), ``rank`` (an
    IMD rank, 1 = most deprived), ``decile`` (1 = most deprived tenth) or ``ratio`` (e.g. registered patients per
    resident).
    ``weight`` is the weight the figure needs (None for counts): without it measured the value is None."""

    key: str
    label: str
    heading: str
    unit: str
    better: Literal["higher", "lower"] | None
    getter: Callable[[Any], Value]
    weight: str | None = None
    views: frozenset[View] = frozenset()
    tag: str = ""

    def value(self, result: Any) -> Value:
        """The figure for ``result`` (a LayerResult or an OptionResult); NaN comes back as None."""
        value = self.getter(result)
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    @property
    def name(self) -> str:
        """The HTML tag when it has one, else the key."""
        return self.tag or self.key


def _measured(result: LayerResult, weight: str) -> bool:
    """Whether ``weight`` was measured for this layer result (the index is given per measured weight)."""
    return weight in result.coterminosity


def coterminosity(weight: str) -> Callable[[LayerResult], Value]:
    """C = sum_i w(R_i ∩ F) b_i / w(F), as the assessment computed it."""
    return lambda r: r.coterminosity.get(weight)


def split_count(result: LayerResult) -> int:
    """Units split between places (outside-only neighbours are never split)."""
    return result.split_count


def split_weight(weight: str) -> Callable[[LayerResult], Value]:
    """Total w(R_i ∩ F) over the split units (:meth:`LayerResult.split_weight`)."""
    return lambda r: r.split_weight(weight) if _measured(r, weight) else None


def moving(weight: str, scale: float = 1.0) -> Callable[[LayerResult], Value]:
    """Weight that moves (:meth:`LayerResult.moving_total`: split units only), divided by ``scale``."""
    return lambda r: r.moving_total(weight) / scale if _measured(r, weight) else None


def _outside_footprint(r: LayerResult) -> int:
    """Units partly outside the footprint (:attr:`LayerResult.outside_footprint`: real units only)."""
    return len(r.outside_footprint)


_ALL: frozenset[View] = frozenset({"terminal", "csv", "json", "xlsx", "md", "html"})

LAYER_METRICS: tuple[Metric, ...] = (
    Metric("coterminosity_area", "Coterminosity index, by area", "Coterminosity (area)", "share", "higher",
           coterminosity("area"), weight="area", views=_ALL),
    Metric("coterminosity_population", "Coterminosity index, by population", "Coterminosity (population)",
           "share", "higher", coterminosity("population"), weight="population", views=_ALL),
    Metric("units", "Units meeting the footprint", "Units", "count", None, lambda r: len(r.units),
           views=frozenset({"terminal", "csv", "json"})),
    Metric("whole_units", "Whole units", "Whole units", "count", None,
           lambda r: r.whole_count, views=frozenset({"json"})),
    Metric("outside_units", "Neighbours outside the footprint", "Neighbours outside", "count", None,
           lambda r: len(r.outside_units), views=frozenset({"json"})),
    Metric("split_units", "Split units", "Split units", "count", "lower", split_count,
           views=REPORT | _TERMINAL_CSV, tag="split_count"),
    Metric("split_population", "Population of split units", "Population of split units", "people", None,
           split_weight("population"), weight="population", views=frozenset({"terminal", "csv", "xlsx"})),
    Metric("people_moving", "People moved (in split units, outside the best-fit place)", "People moved",
           "people", "lower", moving("population"), weight="population",
           views=REPORT | _CSV, tag="people_moved"),
    Metric("core20_moving", "Core20 residents moved (IMD deciles 1-2, in split units, outside the best-fit place)",
           "Core20 residents moved", "people", "lower", lambda r: r.core20_moving, weight="population",
           views=_ALL),
    Metric("area_moving_km2", "Area moved (in split units, outside the best-fit place)", "Area moved (km²)",
           "km2", "lower", moving("area", 1e6), weight="area"),  # in no view yet: add "xlsx" to show it
    Metric("coterminous_places", "Coterminous places", "Coterminous places", "places", "higher",
           lambda r: r.coterminous_places, views=_ALL),
    Metric("places", "Places", "Places", "count", None, lambda r: len(r.places),
           views=frozenset({"terminal", "xlsx"})),
    Metric("boundary_match", "Boundary match", "Boundary match", "share", "higher", lambda r: r.boundary_match,
           views=_ALL),
    Metric("outside_footprint", "Units partly outside the footprint", "Units partly outside footprint", "count",
           None, _outside_footprint, views=REPORT),
    Metric("noise_units_only", "Units touched only by edge noise (left out)", "Units touched only by noise", "count",
           None, lambda r: r.noise.units_only, views=_ALL),
    Metric("noise_area_m2", "Edge noise (strips within snap of a place's edge, left out of shares)",
           "Edge noise (m²)", "m2", "lower", lambda r: r.noise.area_m2, views=_ALL),
    Metric("noise_widest_m", "Widest edge-noise strip", "Widest noise strip (m)", "metres", None,
           lambda r: r.noise.widest_m, views=_ALL),
    Metric("edge_match", "Edge match (the user's file's edges within snap of the bundled layer's edges)",
           "Edge match", "share", "higher", lambda r: r.edge_match.share if r.edge_match else None, views=_ALL),
    Metric("edge_offset_m", "Edge match: median distance between the edges", "Median edge offset (m)", "metres",
           "lower", lambda r: r.edge_match.median_m if r.edge_match else None, views=_ALL),
)
"""Figures of one option against one reference layer, in the order the views show them."""

OPTION_METRICS: tuple[Metric, ...] = (
    Metric("places", "Places", "Places", "count", None, lambda o: len(o.places),
           views=frozenset({"terminal", "csv"})),
    Metric("population", "Population", "Population", "people", None, lambda o: o.footprint.get("population"),
           views=frozenset({"terminal", "csv", "json"})),
    Metric("area_km2", "Area (km²)", "Area (km²)", "km2", None, lambda o: o.footprint["area"] / 1e6,
           views=frozenset({"csv", "json"})),
)
"""Figures of one option (its footprint F), whatever the reference layer."""



def _profile(field: str) -> Callable[[PlaceSummary], Value]:
    """A place's profile figure (None when population or its source was not measured)."""
    return lambda p: getattr(p.profile, field) if p.profile is not None else None


PLACE_METRICS: tuple[Metric, ...] = (
    Metric("residents", "Residents", "Residents", "people", None, _profile("residents"),
           views=frozenset({"csv", "json"})),  # the reports' and terminal's population column already
    Metric("core20", "Core20 residents (IMD deciles 1-2)", "Core20 residents", "people", None, _profile("core20"),
           views=_ALL),
    Metric("core20_share", "Core20 share (residents in IMD deciles 1-2)", "Core20 share", "share", None,
           _profile("core20_share"), views=_ALL),
    Metric("imd_score", "Mean IMD score (population-weighted)", "Mean IMD score", "score", None,
           _profile("imd_score"), views=_ALL),
    Metric("imd_rank", "Mean IMD rank (population-weighted; 1 = most deprived)", "Mean IMD rank", "rank", None,
           _profile("imd_rank"), views=_ALL),
    Metric("imd_band", "National IMD decile of the mean (1 = most deprived)", "IMD decile band", "decile", None,
           _profile("imd_band"), views=_ALL),
    Metric("aged65", "Residents aged 65+", "Aged 65+", "people", None, _profile("aged65"), views=_ALL),
    Metric("aged65_share", "Share aged 65+", "Share aged 65+", "share", None, _profile("aged65_share"), views=_ALL),
    Metric("registered", "Registered patients (GP practices located in the place)", "Registered patients", "people",
           None, _profile("registered"), views=_ALL),
    Metric("registered_ratio", "Registered patients per resident", "Registered / residents", "ratio", None,
           _profile("registered_ratio"), views=_ALL),
)
"""Who lives in one place (:class:`placegeo.results.Profile`), in the order the views show them."""


def profile_sources(places: list[PlaceSummary]) -> list[str]:
    """The sources and vintages of the places' profile figures, each once, for a view's footnote."""
    out: dict[str, None] = {}
    for place in places:
        prof = place.profile
        if prof is None:
            continue
        if prof.population_source:
            out[f"Residents and ages: {prof.population_source}"] = None
        if prof.imd_source:
            out[f"Deprivation: {prof.imd_source}"] = None
        if prof.registered_source:
            out[f"Registered patients: {prof.registered_source}"] = None
    return list(out)


BY_KEY: dict[str, Metric] = {m.key: m for m in LAYER_METRICS}


def metric(key: str) -> Metric:
    """The layer metric called ``key`` (KeyError names the known keys)."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"no metric '{key}' (known: {', '.join(BY_KEY)})") from None


def shown_in(view: View, weights: tuple[str, ...] | None = None,
             metrics: tuple[Metric, ...] = LAYER_METRICS) -> list[Metric]:
    """The metrics a view shows, in registry order; with ``weights``, only those whose weight was measured."""
    return [m for m in metrics if view in m.views and (weights is None or m.weight in (None, *weights))]


def values(result: LayerResult | OptionResult | PlaceSummary,
           metrics: tuple[Metric, ...] = LAYER_METRICS) -> dict[str, Value]:
    """Every figure of ``result``, keyed by metric key."""
    return {m.key: m.value(result) for m in metrics}


PLAIN_FORMATS = {"metres": "{:,.0f} m", "score": "{:,.1f}", "rank": "{:,.0f}", "ratio": "{:.2f}"}
"""How every view writes a figure of these units (shares, people and areas differ by view)."""


def plain_figure(unit: str, value: Value) -> str | None:
    """``value`` written in the one format its ``unit`` has in every view; None for other units or no value."""
    fmt = PLAIN_FORMATS.get(unit)
    return None if fmt is None or value is None else fmt.format(value)
