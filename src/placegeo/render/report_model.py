"""The report's view model: the tables and sentences every report format shows, read from one Comparison.

Built from the typed :class:`~placegeo.comparison.Comparison` (the same object `placegeo compare` prints),
with every scorecard figure read through the metric registry (:mod:`placegeo.registry`), so HTML, XLSX,
Markdown, CSV and JSON can never disagree. No geometry, no file writing: typed results in, plain data out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from placegeo.metrics import NEIGHBOURHOOD_BAND, PLACE_BAND, Band, band_flag
from placegeo.registry import PLACE_METRICS, Metric, Value, plain_figure, profile_sources, shown_in, values
from placegeo.results import CAVEAT_MARK

if TYPE_CHECKING:
    from placegeo.results import Comparison, PlaceSummary

Scores = dict[str, Value]
"""One option against one reference layer: every registry figure, keyed by metric key."""

NOISE_NOTE = ("Reference units whose only ground inside the option's footprint is edge noise (strips or spikes "
              "within {snap:g} m of a place's edge, as two generalisations of one boundary leave): left out, as "
              "neighbours. Check that none of them belongs in a place.")
"""What the report says above its list of units touched only by edge noise (format with ``snap``, metres)."""


@dataclass
class PlaceRow:
    option: str
    name: str
    population: float | None
    area_km2: float | None
    units: Any
    place_flag: str
    neighbourhood_flag: str
    parent: str | None = None  # the place a sub-unit belongs to
    profile: Scores = field(default_factory=dict)  # registry PLACE_METRICS figures ({} without a profile)


@dataclass
class SplitRow:
    option: str
    layer: str
    code: str
    name: str
    shares: list[tuple[str, float]]
    population: float | None
    people_moved: float | None
    best_fit: str
    core20_moved: float | None = None  # Core20 residents outside the best-fit place (None without IMD)


@dataclass
class NoiseRow:
    """A unit touched only by edge noise (docs/metrics.md): left out of the option's units, listed for checking."""

    option: str
    layer: str
    code: str
    name: str


@dataclass
class Matrix:
    """Overlap shares of one option against one layer: rows are units, columns are places."""

    option: str
    layer: str
    places: list[str]
    rows: list[tuple[str, str, list[float | None]]]  # (code, name, share per place)


@dataclass
class Source:
    """A layer used, with what the methods section and the licence lines need."""

    id: str
    title: str
    vintage: str
    population_vintage: str
    publisher: str
    licence: str
    role: str
    caveat: str = ""  # said wherever the layer is used: best-fit, modelled or separately generalised


@dataclass
class ReportModel:
    title: str
    weight: str
    tol: float
    options: list[str]
    layers: list[str]
    layer_titles: dict[str, str]
    scorecard: dict[tuple[str, str], Scores]
    summary: list[str]
    places: list[PlaceRow]
    splits: list[SplitRow]
    matrices: list[Matrix]
    sources: list[Source]
    place_band: Band = PLACE_BAND
    neighbourhood_band: Band = NEIGHBOURHOOD_BAND
    notes: list[str] = field(default_factory=list)
    profile_sources: list[str] = field(default_factory=list)  # source and vintage of each profile figure
    noise: list[NoiseRow] = field(default_factory=list)  # units touched only by edge noise, per option and layer
    snap: float = 50.0  # the edge-noise distance, metres (Settings.snap)
    modelled: dict[str, str] = field(default_factory=dict)  # modelled / best-fit layer id -> its † footnote
    modelled_options: list[str] = field(default_factory=list)  # options built from such a layer (all marked †)

    def option_label(self, option: str) -> str:
        """The option's name, marked † when its places are built from a modelled or best-fit layer."""
        return f"{option} {CAVEAT_MARK}" if option in self.modelled_options else option

    def label(self, layer: str) -> str:
        """The layer's id, marked † when its figures come from a modelled or best-fit layer."""
        return f"{layer} {CAVEAT_MARK}" if layer in self.modelled else layer

    def mark(self, layer: str) -> str:
        """"†" for a modelled or best-fit layer, else ""."""
        return CAVEAT_MARK if layer in self.modelled else ""

    def mark_option(self, option: str) -> str:
        """"†" for an option built from a modelled or best-fit layer, else ""."""
        return CAVEAT_MARK if option in self.modelled_options else ""

    def places_of(self, option: str) -> list[PlaceRow]:
        return [p for p in self.places if p.option == option]

    def splits_of(self, option: str) -> list[SplitRow]:
        return [s for s in self.splits if s.option == option]

    def noise_of(self, option: str) -> list[NoiseRow]:
        return [n for n in self.noise if n.option == option]

    def matrices_of(self, option: str) -> list[Matrix]:
        return [m for m in self.matrices if m.option == option]


# --------------------------------------------------------------------------------------------------
# reading the Comparison


def _num(value: Any) -> float | None:
    """A float, or None for a figure not measured (None or NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def band_flags(population: float | None, place_band: Band, neighbourhood_band: Band) -> tuple[str, str]:
    """Guidance-band flags of one place (``below``, ``within``, ``above``): (place band, neighbourhood band)."""
    return band_flag(population, place_band), band_flag(population, neighbourhood_band)


def _place_rows(option: str, places: list[PlaceSummary], place_band: Band, neighbourhood_band: Band) -> list[PlaceRow]:
    rows = []
    for p in places:
        for item, parent in [(p, None)] + [(sub, p.name) for sub in p.subunits]:
            pop = _num(item.population)
            flag_place, flag_hood = band_flags(pop, place_band, neighbourhood_band)
            if "n/a" in (item.band, item.neighbourhood):  # each band is for its own level (places, neighbourhoods)
                flag_place = "n/a" if item.band == "n/a" else flag_place
                flag_hood = "n/a" if item.neighbourhood == "n/a" else flag_hood
            rows.append(PlaceRow(option=option, name=str(item.name), population=pop, area_km2=_num(item.area_km2),
                                 units=list(item.units), place_flag=flag_place, neighbourhood_flag=flag_hood,
                                 parent=parent,
                                 profile=values(item, PLACE_METRICS) if item.profile is not None else {}))
    return rows


def build_model(comparison: Comparison, *, sources: list[Source] | None = None,
                matrices: list[Matrix] | None = None) -> ReportModel:
    """The report's tables and sentences, from the typed Comparison (bands and weights from its settings)."""
    settings = comparison.settings
    layers = [info.id for info in comparison.layers]
    titles = {s.id: s.title for s in sources or []}
    titles.update({info.id: info.title or info.id for info in comparison.layers})
    scorecard: dict[tuple[str, str], Scores] = {}
    place_rows: list[PlaceRow] = []
    split_rows: list[SplitRow] = []
    noise_rows: list[NoiseRow] = []
    sources_of_profiles: list[str] = []
    for opt in comparison.options:
        sources_of_profiles += [s for s in profile_sources(opt.places) if s not in sources_of_profiles]
        place_rows += _place_rows(opt.name, opt.places, settings.place_band, settings.neighbourhood_band)
        for lid in layers:
            result = opt.results.get(lid)
            if result is None:
                continue
            scorecard[(opt.name, lid)] = values(result)
            noise_rows += [NoiseRow(opt.name, lid, code, name) for code, name in result.noise.touched_only]
            for unit in result.split_units:
                shares = sorted(((str(k), float(v)) for k, v in unit.parts.items()), key=lambda kv: -kv[1])
                split_rows.append(SplitRow(option=opt.name, layer=lid, code=str(unit.code), name=str(unit.name),
                                           shares=shares, population=_num(unit.inside.get("population")),
                                           people_moved=_num(unit.moving.get("population")),
                                           best_fit=str(unit.best_fit or (shares[0][0] if shares else "")),
                                           core20_moved=unit.core20_moving if result.core20_measured else None))
    split_rows.sort(key=lambda s: (s.option, -(s.people_moved or 0.0), -(s.population or 0.0), s.layer, s.code))
    names = [opt.name for opt in comparison.options]
    weights = list(settings.weights)
    model = ReportModel(
        title=_title(names),
        weight="both" if len(weights) > 1 else weights[0],
        tol=float(settings.tol),
        options=names,
        layers=layers,
        layer_titles={lid: titles.get(lid, lid) for lid in layers},
        scorecard=scorecard,
        summary=[],
        places=place_rows,
        splits=split_rows,
        matrices=matrices or [],
        sources=sources or [],
        place_band=settings.place_band,
        neighbourhood_band=settings.neighbourhood_band,
        profile_sources=sources_of_profiles,
        noise=noise_rows,
        snap=float(settings.snap),
        modelled={info.id: info.footnote() for info in [*comparison.layers, *(o.blocks_info for o in comparison.options
                                                                              if o.blocks_info)] if info.modelled},
        modelled_options=[o.name for o in comparison.options if o.modelled],
    )
    model.summary = summary_sentences(model)
    return model


def _title(names: list[str]) -> str:
    if len(names) == 1:
        return f"Coterminosity report: {names[0]}"
    return "Coterminosity report: " + ", ".join(names[:-1]) + " and " + names[-1]


# --------------------------------------------------------------------------------------------------
# the summary in plain sentences


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f} %"


def people(value: float | None) -> str:
    return "n/a" if value is None else f"{round(value):,}"


def km2(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def score_text(value: Value, item: Metric, places: Value = None) -> str:
    """A registry figure as report text: a percentage, a count of people, 'k of n' places, or a count."""
    if value is None:
        return "n/a"
    if item.unit == "share":
        return pct(value)
    if item.unit == "people":
        return people(value)
    if item.unit == "km2":
        return km2(value)
    if item.unit == "m2":
        return f"{value:,.0f} m²"
    if item.unit == "places":
        return f"{value} of {places}"
    plain = plain_figure(item.unit, value)
    return plain if plain is not None else f"{value:,}"


def profile_columns(model: ReportModel, view: str) -> list[Metric]:
    """The place-profile figures a report view shows (registry PLACE_METRICS), those with a value somewhere."""
    return [m for m in shown_in(view, metrics=PLACE_METRICS)  # type: ignore[arg-type]
            if any(p.profile.get(m.key) is not None for p in model.places)]


def score_cell(model: ReportModel, option: str, layer: str, item: Metric) -> str:
    """The text of one scorecard cell ('k of n' places reads n from the registry's ``places``)."""
    score = model.scorecard.get((option, layer))
    if score is None:
        return "n/a"
    return score_text(score.get(item.key), item, score.get("places"))


def headline(score: Scores) -> tuple[str, float | None]:
    """The weight a sentence quotes: population when the comparison has it, else area."""
    if score.get("coterminosity_population") is not None:
        return "population", _num(score["coterminosity_population"])
    return "area", _num(score.get("coterminosity_area"))


def summary_sentences(model: ReportModel) -> list[str]:
    """One sentence per reference layer: which option is more coterminous with it, and by how much."""
    lines: list[str] = []
    for lid in model.layers:
        cells = [(o, model.scorecard[(o, lid)]) for o in model.options if (o, lid) in model.scorecard]
        if not cells:
            continue
        label = model.layer_titles.get(lid, lid)
        what, _ = headline(cells[0][1])
        ranked = sorted(cells, key=lambda oc: -(headline(oc[1])[1] or 0.0))
        best_name, best = ranked[0]
        best_value = headline(best)[1]
        if len(ranked) == 1:
            text = (f"Against {label} ({model.label(lid)}), {best_name} has a coterminosity index of {pct(best_value)} "
                    f"by {what}.")
        else:
            others = ranked[1:]
            second_name, second = others[0]
            gap = (best_value or 0.0) - (headline(second)[1] or 0.0)
            if abs(gap) < 0.0005:
                text = (f"Against {label} ({model.label(lid)}), {best_name} and {second_name} are equally coterminous: "
                        f"{pct(best_value)} by {what}.")
            else:
                rest = "; ".join(f"{pct(headline(c)[1])} for {n}" for n, c in others)
                text = (f"Against {label} ({model.label(lid)}), {best_name} is more coterminous: {pct(best_value)} "
                        f"of its footprint's {what} lies in the best-fit place of its unit, against {rest} "
                        f"({gap * 100:.1f} percentage points more).")
        splits = []
        for name, cell in cells:
            count, moved_people = cell["split_units"], cell["people_moving"]
            if count == 0:
                splits.append(f"{name} splits no unit")
            else:
                moved = f", moving {people(moved_people)} people" if moved_people is not None else ""
                splits.append(f"{name} splits {count} unit{'s' if count != 1 else ''}{moved}")
        lines.append(text + " " + "; ".join(splits) + ".")
    over = [p for p in model.places if p.place_flag == "above" and p.parent is None]
    if over:
        named = ", ".join(f"{p.name} ({p.option}, {people(p.population)})" for p in over)
        lines.append(f"Places above the guidance for a place ({model.place_band.describe()} people): {named}.")
    return lines


def licence_lines(model: ReportModel) -> list[str]:
    """The distinct licence attribution lines (deduplicated as on maps), each naming the layers it covers."""
    from placegeo.render.attribution import attributions

    lines = attributions((s.licence, s.id) for s in model.sources)
    return [f"{text} ({', '.join(ids)})" for text, ids in lines.items()]
