"""Terminal view of a Comparison: the scorecard table and the split lists in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from placegeo.registry import Metric, Value
    from placegeo.results import Comparison, LayerResult, OptionResult, PlaceSummary, UnitResult


def pct(share: float | None) -> str:
    """A share as a whole-number percent ("81 %"); "<1 %" / ">99 %" rather than rounding to 0 or 100."""
    if share is None or share != share:
        return "–"
    value = 100 * share
    if 0 < value < 0.5:
        return "<1 %"
    if 99.5 <= value < 100 - 1e-7:
        return ">99 %"
    return f"{value:.0f} %"


def people(value: float | None) -> str:
    """A population rounded to the nearest hundred above 10,000 (estimates do not carry more)."""
    if value is None:
        return "–"
    if value >= 10_000:
        value = round(value, -2)
    return f"{value:,.0f}"


def split_sentence(unit: UnitResult, primary: str) -> str:
    """"Ribble Valley: 81 % Pennine Lancashire / 19 % Central Lancashire, 11,900 people move"."""
    parts = " / ".join(f"{pct(share)} {place}" for place, share in unit.parts.items())
    if primary == "population":
        tail = f"{people(unit.moving.get('population'))} people move"
        if unit.core20:
            tail += f" ({people(unit.core20_moving)} of them Core20)"
    else:
        tail = f"{unit.moving.get('area', 0.0) / 1e6:,.1f} km² moves"
    return f"{unit.name}: {parts}, {tail}"


def edge_sentence(result: LayerResult, snap: float) -> str:
    """"edge match: 97 % of CCGs's edges lie within 50 m of ccg21's (median offset 3 m, 212 km of edges)"."""
    match = result.edge_match
    assert match is not None
    return (f"edge match: {pct(match.share)} of {match.file}'s edges lie within {snap:g} m of {match.against}'s "
            f"(median offset {match.median_m:,.0f} m, {match.length_km:,.0f} km of edges)")


def render_scorecard(comparison: Comparison, width: int | None = None, *, wide: bool = False) -> str:
    """The rich scorecard and the split lists, at ``width`` columns (the terminal's by default).

    The scorecard is one row per option with a column per reference layer when that fits; else transposed
    (a column per option, a row per layer); else stacked (one such table per option). ``wide`` always
    gives the one-row-per-option table, however wide it is. Every form holds the same figures."""
    import io
    import textwrap

    from rich.console import Console

    from placegeo.registry import profile_sources
    from placegeo.render.fit import fits, natural_width, terminal_width

    settings = comparison.settings
    table = _wide_table(comparison)
    width = width or terminal_width()
    if wide:  # the lists below wrap at the table's width
        width = max(width, natural_width(table))
        tables = [table]
    else:
        tables = [table] if fits(table, width) else [_transposed(comparison, comparison.options)]
        if not fits(tables[0], width):
            tables = [_transposed(comparison, [opt], caption=False) for opt in comparison.options]
            tables[0].title = "Coterminosity scorecard"
    console = Console(file=io.StringIO(), record=True, width=width, force_terminal=False, color_system=None)
    for t in tables:
        console.print(t)
    if tables[-1].caption is None:  # stacked: the caption once, below the last table, at the full width
        console.print(textwrap.fill(_caption(comparison), width), markup=False, highlight=False)

    def say(line: str) -> None:
        """A line of the lists, wrapped at spaces with a hanging indent (a number is never cut)."""
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        console.print(textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False,
                                    break_on_hyphens=False) if line else "", markup=False, highlight=False,
                      soft_wrap=True)

    for opt in comparison.options:
        say("")
        say(f"{opt.label}: places")
        for place in opt.places:
            flag = "" if place.band in ("within", "unknown") else f"  ({place.band} the place band, "\
                f"{settings.place_band.describe()})"
            say(f"  {place.name}: {people(place.population)} people, {place.area_km2:,.0f} km²{flag}"
                f"{profile_phrase(place)}")
        for source in profile_sources(opt.places):
            say(f"  ({source})")
        if opt.unassigned:
            say(f"  {_unassigned_line(opt.unassigned_names or opt.unassigned, opt.blocks_layer)}")
        for layer in comparison.layers:
            res = opt.results[layer.id]
            if res.edge_match is not None:
                say(f"  {edge_sentence(res, settings.snap)}")
            if res.split_units:
                say(f"  split {layer.label} units:")
                for unit in res.split_units:
                    say(f"    {split_sentence(unit, settings.primary)}")
            outside = [u for u in res.outside_footprint if u.outside.get(settings.primary, u.outside.get("area", 0))
                       >= 0.005]
            if outside:
                say(f"  {layer.label} units partly outside the option's footprint:")
                for unit in outside:
                    share = unit.outside.get(settings.primary, unit.outside.get("area"))
                    say(f"    {unit.name}: {pct(share)} outside")
    modelled = [layer for layer in comparison.layers if layer.modelled]
    modelled += [o.blocks_info for o in comparison.options if o.blocks_info is not None and o.modelled]
    notes = list(dict.fromkeys(layer.footnote() for layer in modelled))
    if notes:
        say("")
        for note in notes:
            say(note)
    return console.export_text()


def _option_figures(opt: OptionResult) -> list[tuple[str, str]]:
    """The option's own figures (places, population...) as (key, printed value)."""
    from placegeo.registry import OPTION_METRICS, shown_in

    return [(m.key, _figure(m, m.value(opt))) for m in shown_in("terminal", metrics=OPTION_METRICS)]


def _wide_table(comparison: Comparison) -> Table:
    """One row per option, a column per option figure and per reference layer."""
    from rich.table import Table

    from placegeo.registry import values

    table = Table(title="Coterminosity scorecard", caption=_caption(comparison), show_lines=True)
    table.add_column("option")
    for key, _ in _option_figures(comparison.options[0]) if comparison.options else []:
        table.add_column(key, justify="right")
    for layer in comparison.layers:
        table.add_column(layer.label, justify="left")  # "pcn †": figures from a modelled layer
    for opt in comparison.options:
        cells = [opt.label] + [value for _, value in _option_figures(opt)]
        cells += [_cell(values(opt.results[layer.id]), comparison.settings.weights) for layer in comparison.layers]
        table.add_row(*cells)
    return table


def _transposed(comparison: Comparison, options: list[OptionResult], *, caption: bool = True) -> Table:
    """A column per option, a row per option figure and per reference layer (for narrow terminals)."""
    import textwrap

    from rich.table import Table

    from placegeo.registry import values

    weights = comparison.settings.weights
    columns = [[_cell(values(opt.results[layer.id]), weights) for layer in comparison.layers] for opt in options]
    longest = max((len(line) for cells in columns for cell in cells for line in cell.splitlines()), default=20)
    table = Table(title="Coterminosity scorecard" if caption else None,
                  caption=_caption(comparison) if caption else None, caption_justify="left", show_lines=True)
    table.add_column("")
    for opt in options:
        table.add_column(textwrap.fill(opt.label, width=max(longest, 12)))
    figures = [_option_figures(opt) for opt in options]
    for i, (key, _) in enumerate(figures[0] if figures else []):
        table.add_row(key, *(f[i][1] for f in figures))
    for j, layer in enumerate(comparison.layers):
        table.add_row(layer.label, *(cells[j] for cells in columns))
    return table


def _figure(metric: Metric, value: Value) -> str:
    """One registry figure as the terminal prints it."""
    if metric.unit == "share":
        return pct(value)
    if metric.unit == "people":
        return people(value)
    if value is not None and metric.unit == "m2":
        return f"{value / 1e6:,.2f} km²" if value >= 1e5 else f"{value:,.0f} m²"
    from placegeo.registry import plain_figure

    plain = plain_figure(metric.unit, value)
    if plain is not None:
        return plain
    return "–" if value is None else str(value)


def profile_phrase(place: PlaceSummary) -> str:
    """"; Core20 57 %, IMD decile 2 (mean rank 6,008), aged 65+ 21 %" from the registry's place figures
    ("" without a profile)."""
    from placegeo.registry import PLACE_METRICS, shown_in, values

    if place.profile is None:
        return ""
    shown = {m.key: m for m in shown_in("terminal", metrics=PLACE_METRICS)}
    v = values(place, PLACE_METRICS)
    bits = []
    if "core20_share" in shown and v["core20_share"] is not None:
        bits.append(f"Core20 {_figure(shown['core20_share'], v['core20_share'])}")
    if "imd_band" in shown and v["imd_band"] is not None:
        mean = (f"mean score {_figure(shown['imd_score'], v['imd_score'])}" if v["imd_score"] is not None
                else f"mean rank {_figure(shown['imd_rank'], v['imd_rank'])}")
        bits.append(f"IMD decile {v['imd_band']} ({mean})")
    if "aged65_share" in shown and v["aged65_share"] is not None:
        bits.append(f"aged 65+ {_figure(shown['aged65_share'], v['aged65_share'])}")
    if "registered" in shown and v["registered"] is not None:
        bits.append(f"{_figure(shown['registered'], v['registered'])} registered patients "
                    f"({_figure(shown['registered_ratio'], v['registered_ratio'])} per resident)")
    return "; " + ", ".join(bits) if bits else ""


def _cell(score: dict[str, Value], weights: tuple[str, ...]) -> str:
    """One option against one layer, from the registry's figures (``values``):
    "C 96 % area / 99 % pop", "split 2/18 (206,200 people)", "coterminous 3/5", "boundary 66 %"."""
    from placegeo.registry import shown_in

    shown = {m.key: m for m in shown_in("terminal", weights)}
    index = " / ".join(f"{pct(score[f'coterminosity_{w}'])} {'pop' if w == 'population' else 'area'}"
                       for w in weights)
    lines = [f"C {index}"]
    split = f"split {score['split_units']}/{score['units']}"
    if "split_population" in shown:
        split += f" ({_figure(shown['split_population'], score['split_population'])} people)"
    lines.append(split)
    if "core20_moving" in shown and score.get("core20_moving") is not None:
        lines.append(f"Core20 moved {_figure(shown['core20_moving'], score['core20_moving'])}")
    lines.append(f"coterminous {score['coterminous_places']}/{score['places']}")
    if score["boundary_match"] is not None:
        lines.append(f"boundary {_figure(shown['boundary_match'], score['boundary_match'])}")
    if score["noise_area_m2"]:
        only = f", {score['noise_units_only']} unit(s) only" if score["noise_units_only"] else ""
        lines.append(f"noise {_figure(shown['noise_area_m2'], score['noise_area_m2'])}{only}, "
                     f"widest {_figure(shown['noise_widest_m'], score['noise_widest_m'])}")
    if score["edge_match"] is not None:
        lines.append(f"edges {_figure(shown['edge_match'], score['edge_match'])} matched, "
                     f"median {_figure(shown['edge_offset_m'], score['edge_offset_m'])}")
    return "\n".join(lines)


def _unassigned_line(names: list[str], layer: str | None, most: int = 8) -> str:
    """'5 lad21 block(s) in no place: A, B, ...', naming at most ``most`` of them."""
    shown = ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")
    return f"{len(names)} {layer or 'block'} block(s) in no place: {shown}"


def _caption(comparison: Comparison) -> str:
    s = comparison.settings
    pop = f"; population from {s.population_layer}" if s.population_layer else ""
    return (f"C = coterminosity index (share of the footprint in its unit's best-fit place); split at tol "
            f"{s.tol:g}; boundary = place edges within {s.snap:g} m of the layer's edges{pop}")
