"""The report's view model: the tables and sentences every report format shows, read from one Comparison.

Everything here is computed from the Comparison's JSON document (``Comparison.to_json()``, the same
document `placegeo compare --format json` prints) plus the catalogue entries of the layers used, so
HTML, XLSX, Markdown, CSV and JSON can never disagree. No geometry, no file writing: plain data in,
plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from placegeo.metrics import NEIGHBOURHOOD_BAND, PLACE_BAND, Band, band_flag


@dataclass
class Cell:
    """One scorecard cell group: one option against one reference layer."""

    coterminosity_area: float | None
    coterminosity_population: float | None
    split_count: int
    split_population: float | None
    people_moved: float | None
    coterminous_places: int | None
    places: int
    outside_footprint: int
    units: int | None = None
    boundary_match: float | None = None


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


@dataclass
class ReportModel:
    title: str
    weight: str
    tol: float
    options: list[str]
    layers: list[str]
    layer_titles: dict[str, str]
    scorecard: dict[tuple[str, str], Cell]
    summary: list[str]
    places: list[PlaceRow]
    splits: list[SplitRow]
    matrices: list[Matrix]
    sources: list[Source]
    place_band: Band = PLACE_BAND
    neighbourhood_band: Band = NEIGHBOURHOOD_BAND
    notes: list[str] = field(default_factory=list)

    def places_of(self, option: str) -> list[PlaceRow]:
        return [p for p in self.places if p.option == option]

    def splits_of(self, option: str) -> list[SplitRow]:
        return [s for s in self.splits if s.option == option]

    def matrices_of(self, option: str) -> list[Matrix]:
        return [m for m in self.matrices if m.option == option]


# --------------------------------------------------------------------------------------------------
# reading the Comparison's JSON document


def _options(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(doc.get("options") or [])


def layer_ids(doc: Mapping[str, Any]) -> list[str]:
    """Reference layer ids in the order the user named them."""
    named = doc.get("layers")
    if isinstance(named, list) and named:
        return [item if isinstance(item, str) else item.get("id") for item in named]
    if isinstance(named, Mapping) and named:
        return list(named)
    ids: list[str] = []
    for opt in _options(doc):
        for lid in _per_layer(opt):
            if lid not in ids:
                ids.append(lid)
    return ids


def _per_layer(opt: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    """The option's results per reference layer id, wherever the document keeps them."""
    value = opt.get("layers")
    return value if isinstance(value, Mapping) else {}


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def people_moved(unit: Mapping[str, Any], weight: str = "population") -> float | None:
    """People in the parts of a split unit outside its best-fit place: w(R_i ∩ F) * (1 - b_i).

    Read from the unit's ``moving`` (the engine's figure); None when population was not measured.
    """
    moving = unit.get("moving")
    if isinstance(moving, Mapping):
        value = moving.get(weight)
        return None if value is None else float(value)
    return None


def band_flags(population: float | None, place_band: Band, neighbourhood_band: Band) -> tuple[str, str]:
    """Guidance-band flags of one place (``below``, ``within``, ``above``): (place band, neighbourhood band)."""
    return band_flag(population, place_band), band_flag(population, neighbourhood_band)


def cell_of(result: Mapping[str, Any], n_places: int) -> Cell:
    coterm = result.get("coterminosity") or {}
    units = list(result.get("split_units") or [])
    pops = [u.get("population") for u in units]
    moved = [people_moved(u) for u in units]
    return Cell(
        coterminosity_area=_num(coterm.get("area")),
        coterminosity_population=_num(coterm.get("population")),
        split_count=len(units),
        split_population=None if any(p is None for p in pops) else float(sum(pops)),
        people_moved=None if any(m is None for m in moved) else float(sum(moved)),
        coterminous_places=_coterminous_count(result.get("coterminous_places")),
        places=n_places,
        outside_footprint=len(result.get("outside_footprint") or []),
        units=result.get("units"),
        boundary_match=_num(result.get("boundary_match")),
    )


def _coterminous_count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return len(value)
    return int(value)


def build_model(doc: Mapping[str, Any], *, sources: list[Source] | None = None,
                matrices: list[Matrix] | None = None) -> ReportModel:
    """The report's tables and sentences, from the Comparison's JSON document (bands from its settings)."""
    options = _options(doc)
    layers = layer_ids(doc)
    titles = {s.id: s.title for s in sources or []}
    titles.update({item["id"]: item.get("title") or item["id"] for item in doc.get("layers") or []
                   if isinstance(item, Mapping)})
    settings = doc.get("settings") or {}
    place_band = Band(**settings["place_band"]) if "place_band" in settings else PLACE_BAND
    neighbourhood_band = (Band(**settings["neighbourhood_band"]) if "neighbourhood_band" in settings
                          else NEIGHBOURHOOD_BAND)
    scorecard: dict[tuple[str, str], Cell] = {}
    place_rows: list[PlaceRow] = []
    split_rows: list[SplitRow] = []
    for opt in options:
        name = str(opt["name"])
        places = list(opt.get("places") or [])
        for p in places:
            for item, parent in [(p, None)] + [(sub, str(p["name"])) for sub in p.get("subunits") or []]:
                pop = _num(item.get("population"))
                flag_place, flag_hood = band_flags(pop, place_band, neighbourhood_band)
                place_rows.append(PlaceRow(option=name, name=str(item["name"]), population=pop,
                                           area_km2=_num(item.get("area_km2")), units=item.get("units"),
                                           place_flag=flag_place, neighbourhood_flag=flag_hood, parent=parent))
        per_layer = _per_layer(opt)
        for lid in layers:
            result = per_layer.get(lid)
            if result is None:
                continue
            cell = cell_of(result, len(places))
            scorecard[(name, lid)] = cell
            for unit in result.get("split_units") or []:
                shares = sorted(((str(k), float(v)) for k, v in (unit.get("shares") or {}).items()),
                                key=lambda kv: -kv[1])
                split_rows.append(SplitRow(option=name, layer=lid, code=str(unit.get("code", "")),
                                           name=str(unit.get("name", "")), shares=shares,
                                           population=_num(unit.get("population")), people_moved=people_moved(unit),
                                           best_fit=str(unit.get("best_fit") or (shares[0][0] if shares else ""))))
    split_rows.sort(key=lambda s: (s.option, -(s.people_moved or 0.0), -(s.population or 0.0), s.layer, s.code))
    names = [str(o["name"]) for o in options]
    weights = list(settings.get("weights") or ["area"])
    weight = "both" if len(weights) > 1 else weights[0]
    tol = float(settings.get("tol", 0.01))
    model = ReportModel(
        title=_title(names),
        weight=weight,
        tol=tol,
        options=names,
        layers=layers,
        layer_titles={lid: titles.get(lid, lid) for lid in layers},
        scorecard=scorecard,
        summary=[],
        places=place_rows,
        splits=split_rows,
        matrices=matrices or [],
        sources=sources or [],
        place_band=place_band,
        neighbourhood_band=neighbourhood_band,
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


def score_text(value: Any, kind: str, places: int | None = None) -> str:
    """A scorecard value as text: a percentage, a count of people, 'k of n' places, or a count."""
    if value is None:
        return "n/a"
    if kind == "pct":
        return pct(value)
    if kind == "people":
        return people(value)
    if kind == "places":
        return f"{value} of {places}"
    return f"{value:,}"


def headline(cell: Cell) -> tuple[str, float | None]:
    """The weight a sentence quotes: population when the comparison has it, else area."""
    if cell.coterminosity_population is not None:
        return "population", cell.coterminosity_population
    return "area", cell.coterminosity_area


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
            text = (f"Against {label} ({lid}), {best_name} has a coterminosity index of {pct(best_value)} "
                    f"by {what}.")
        else:
            others = ranked[1:]
            second_name, second = others[0]
            gap = (best_value or 0.0) - (headline(second)[1] or 0.0)
            if abs(gap) < 0.0005:
                text = (f"Against {label} ({lid}), {best_name} and {second_name} are equally coterminous: "
                        f"{pct(best_value)} by {what}.")
            else:
                rest = "; ".join(f"{pct(headline(c)[1])} for {n}" for n, c in others)
                text = (f"Against {label} ({lid}), {best_name} is more coterminous: {pct(best_value)} of its "
                        f"footprint's {what} lies in the best-fit place of its unit, against {rest} "
                        f"({gap * 100:.1f} percentage points more).")
        splits = []
        for name, cell in cells:
            if cell.split_count == 0:
                splits.append(f"{name} splits no unit")
            else:
                moved = f", moving {people(cell.people_moved)} people" if cell.people_moved is not None else ""
                splits.append(f"{name} splits {cell.split_count} unit{'s' if cell.split_count != 1 else ''}{moved}")
        lines.append(text + " " + "; ".join(splits) + ".")
    over = [p for p in model.places if p.place_flag == "above" and p.parent is None]
    if over:
        named = ", ".join(f"{p.name} ({p.option}, {people(p.population)})" for p in over)
        lines.append(f"Places above the guidance for a place ({model.place_band.describe()} people): {named}.")
    return lines
