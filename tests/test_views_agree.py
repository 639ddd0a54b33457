"""The views agree: every registry figure reads the same in the terminal scorecard, the CSV, the JSON,
the XLSX, the Markdown and the HTML, and equals the same figure computed another way (numpy sums over
the overlap rows M[i, j]).

On an England option whose units carry edge pieces (a layer generalised separately from the option's
blocks), not only on L&SC, where whole units never move anyone: there, summing "people moving" over all
units instead of the split units made the CSV say 3,842 while the reports said 0 (issue 14).
"""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from placegeo.registry import LAYER_METRICS, OPTION_METRICS, Metric

ROOT = Path(__file__).resolve().parents[1]
HUMBER = ROOT / "docs" / "examples" / "humber-north-yorkshire"
OPTIONS = [HUMBER / "councils-2024.yaml", HUMBER / "four-partnerships-2021.yaml"]
# the district layer generalised separately from the options' blocks (england/lad24), so its units carry
# edge pieces; after the layers are rebuilt as exact LSOA unions that layer is published/lad21
EDGE_LAYER = "published/lad21"  # separately generalised: its units carry edge pieces
SPLIT_LAYER = "published/sicbl23"  # sub-ICB locations: the partnerships split some of them
AGAINST = [EDGE_LAYER, SPLIT_LAYER]
TOL = 0.01


@pytest.fixture(scope="module")
def comparison():
    from placegeo.comparison import compare

    return compare([str(p) for p in OPTIONS], AGAINST)


@pytest.fixture(scope="module")
def written(comparison, tmp_path_factory):
    """Every view written once: the report's files (CSV, JSON, XLSX, Markdown, HTML) and the terminal text."""
    from placegeo.render.report import write_report
    from placegeo.render.scorecard import render_scorecard

    out = tmp_path_factory.mktemp("views") / "report"
    write_report(comparison, out, maps=None)
    return out, render_scorecard(comparison, width=400)


# --------------------------------------------------------------------------------------------------
# the same figures, computed another way: numpy over the overlap rows


def independent(comparison) -> dict[tuple[str, str], dict[str, float]]:
    """Per (option, layer): the registry's figures from the overlap rows M[i, j], the units' totals w(R_i),
    the places' exactness and the footprint, by the formulas of docs/metrics.md."""
    out = {}
    for opt in comparison.options:
        for lid, res in opt.results.items():
            rows = pd.DataFrame([vars(r) for r in res.overlap])
            area = rows.pivot_table(index="unit", columns="place", values="area_m2", aggfunc="sum", fill_value=0.0)
            pop = rows.pivot_table(index="unit", columns="place", values="population", aggfunc="sum",
                                   fill_value=0.0).reindex(index=area.index, columns=area.columns, fill_value=0.0)
            m_area, m_pop = area.to_numpy(), pop.to_numpy()
            inside_area, inside_pop = m_area.sum(axis=1), m_pop.sum(axis=1)
            # best fit by the primary weight (population), area for a unit with no people inside F
            best = np.where(inside_pop > 0, m_pop.argmax(axis=1), m_area.argmax(axis=1))
            at_best_area = m_area[np.arange(len(best)), best]
            at_best_pop = m_pop[np.arange(len(best)), best]
            totals = {u.code: u.total for u in [*res.units, *res.outside_units]}
            total_area = np.array([totals[c]["area"] for c in area.index])
            total_pop = np.array([totals[c]["population"] for c in area.index])
            # outside (a neighbour): under tol of the unit inside F by the primary weight (area without people)
            outside_only = np.where(total_pop > 0, inside_pop < TOL * total_pop, inside_area < TOL * total_area)
            # split: at least two places each hold tol of the whole unit (primary weight; area without people)
            share = np.where((total_pop > 0)[:, None], m_pop / np.where(total_pop > 0, total_pop, 1.0)[:, None],
                             m_area / total_area[:, None])
            whole = (share >= TOL - 1e-12).sum(axis=1) < 2
            split = ~whole & ~outside_only
            outside_pop = 1 - inside_pop / np.where(total_pop > 0, total_pop, 1.0)
            outside = ((1 - inside_area / total_area) > 1e-9) | (outside_pop > 1e-9)
            primary_exactness = [p.exactness["population"] for p in res.places]
            out[(opt.name, lid)] = {
                # C per weight with that weight's own best fit b_i = max_j s[i, j] (as the engine computes it)
                "coterminosity_area": m_area.max(axis=1).sum() / opt.footprint["area"],
                "coterminosity_population": m_pop.max(axis=1).sum() / opt.footprint["population"],
                "units": int((~outside_only).sum()),
                "whole_units": int((~outside_only & whole).sum()),
                "outside_units": int(outside_only.sum()),
                "split_units": int(split.sum()),
                "split_population": float(inside_pop[split].sum()),
                "people_moving": float((inside_pop - at_best_pop)[split].sum()),
                "area_moving_km2": float((inside_area - at_best_area)[split].sum() / 1e6),
                "coterminous_places": sum(e >= 1 - TOL - 1e-12 for e in primary_exactness),
                "places": len(opt.places),
                # partly outside, with at least tol of the unit's people inside F (real units, not slivers)
                "outside_footprint": int((outside & ~outside_only & (inside_pop >= TOL * total_pop)).sum()),
                # the premise: people in the edge pieces of WHOLE units (not moving: within tol)
                "_edge_people": float((inside_pop - at_best_pop)[whole & ~outside_only].sum()),
            }
    return out


def test_the_premise_units_carry_edge_pieces_and_some_are_split(comparison):
    expected = independent(comparison)
    noise = sum(opt.results[EDGE_LAYER].noise.population for opt in comparison.options)
    assert noise > 100, "the edge layer's units should carry edge noise (people in strips along other places)"
    assert sum(v["split_units"] for v in expected.values()) >= 2
    assert sum(v["people_moving"] for v in expected.values()) > 10_000


def test_the_registry_equals_the_sums_over_the_overlap_rows(comparison):
    expected = independent(comparison)
    checked = 0
    for opt in comparison.options:
        for lid, res in opt.results.items():
            for m in LAYER_METRICS:
                if m.key not in expected[(opt.name, lid)]:
                    continue  # boundary match, Core20 moved (tests/test_profiles.py): compared across views only
                assert m.value(res) == pytest.approx(expected[(opt.name, lid)][m.key], rel=1e-9, abs=1e-9), \
                    (opt.name, lid, m.key)
                checked += 1
    unchecked = {"boundary_match", "core20_moving", "noise_units_only", "noise_area_m2", "noise_widest_m",
                 "edge_match", "edge_offset_m"}  # no sum over the overlap rows: tests/test_noise.py, test_profiles.py
    assert checked == len(comparison.options) * len(AGAINST) * (len(LAYER_METRICS) - len(unchecked))


# --------------------------------------------------------------------------------------------------
# reading every view back


def read_terminal(text: str, comparison) -> dict[tuple[str, str], dict[str, str]]:
    """The scorecard table's cells: (option, layer or "") -> {figure: text}."""
    groups, current = [], []
    for line in text.splitlines():
        if line.startswith("│"):
            current.append([cell.strip() for cell in line.split("│")[1:-1]])
        elif line.startswith(("├", "└")) and current:
            groups.append(current)
            current = []
    layers = [info.id for info in comparison.layers]
    out: dict[tuple[str, str], dict[str, str]] = {}
    for group in groups:
        columns = ["\n".join(line[k] for line in group) for k in range(len(group[0]))]
        option = " ".join(c for c in columns[0].split("\n") if c)
        out[(option, "")] = {"places": columns[1].strip(), "population": columns[2].strip()}
        for lid, cell in zip(layers, columns[3:], strict=True):
            found = {}
            c = re.search(r"C (\S+ %) area / (\S+ %) pop", cell)
            found["coterminosity_area"], found["coterminosity_population"] = c.group(1), c.group(2)
            s = re.search(r"split (\d+)/(\d+) \(([\d,]+) people\)", cell)
            found["split_units"], found["units"], found["split_population"] = s.groups()
            p = re.search(r"coterminous (\d+)/(\d+)", cell)
            found["coterminous_places"], found["places"] = p.groups()
            b = re.search(r"boundary (\S+ %)", cell)
            if b:
                found["boundary_match"] = b.group(1)
            core20 = re.search(r"Core20 moved ([\d,]+)", cell)
            if core20:
                found["core20_moving"] = core20.group(1)
            noise = re.search(r"noise ([\d,.]+ k?m²)(?:, (\d+) unit\(s\) only)?, widest ([\d,]+ m)", " ".join(
                cell.split()))
            if noise:  # printed only where there is some
                found["noise_area_m2"], found["noise_widest_m"] = noise.group(1), noise.group(3)
                if noise.group(2):
                    found["noise_units_only"] = noise.group(2)
            edges = re.search(r"edges (\S+ %) matched, median ([\d,]+ m)", " ".join(cell.split()))
            if edges:
                found["edge_match"], found["edge_offset_m"] = edges.groups()
            out[(option, lid)] = found
    return out


def read_csv(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    out: dict[tuple[str, str], dict[str, str]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for column, value in row.items():
                layer, _, key = column.rpartition(":")
                out.setdefault((row["option"], layer), {})[key] = value
    return out


def read_json(path: Path) -> dict[tuple[str, str], dict[str, float | None]]:
    """The document's figures; split and outside counts and totals from its lists."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    out: dict[tuple[str, str], dict[str, float | None]] = {}
    for opt in doc["options"]:
        out[(opt["name"], "")] = {"population": opt["footprint"]["population"],
                                  "area_km2": opt["footprint"]["area_km2"], "places": len(opt["places"])}
        for lid, res in opt["layers"].items():
            split = res["split_units"]
            out[(opt["name"], lid)] = {
                "coterminosity_area": res["coterminosity"]["area"],
                "coterminosity_population": res["coterminosity"]["population"],
                "units": res["units"], "whole_units": res["whole_units"], "outside_units": res["outside_units"],
                "split_units": len(split),
                "split_population": sum(u["population"] for u in split),
                "people_moving": sum(u["moving"]["population"] for u in split),
                "area_moving_km2": sum(u["moving"]["area"] for u in split),
                "coterminous_places": res["coterminous_places"],
                "places": len(res["places"]),
                "boundary_match": res["boundary_match"],
                "outside_footprint": len(res["outside_footprint"]),
                "core20_moving": res["core20_moving"],
                "noise_units_only": res["edge_noise"]["units_only"],
                "noise_area_m2": res["edge_noise"]["area_m2"],
                "noise_widest_m": res["edge_noise"]["widest_m"],
                "edge_match": res["edge_match"]["share"] if res["edge_match"] else None,
                "edge_offset_m": res["edge_match"]["median_m"] if res["edge_match"] else None,
            }
    return out


def read_xlsx(path: Path) -> dict[tuple[str, str], dict[str, object]]:
    from openpyxl import load_workbook

    sheet = load_workbook(path)["Scorecard"]
    rows = list(sheet.iter_rows(values_only=True))
    by_heading = {m.heading: m.key for m in LAYER_METRICS}
    keys = [by_heading.get(h) for h in rows[0]]
    return {(r[0], r[1]): {k: v for k, v in zip(keys, r, strict=True) if k} for r in rows[1:]}


def read_markdown(path: Path, comparison) -> dict[tuple[str, str], dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    table = text.split("## Scorecard\n", 1)[1].strip().split("\n\n", 1)[0]
    by_label = {m.label: m.key for m in LAYER_METRICS}
    names = [o.name for o in comparison.options]
    out: dict[tuple[str, str], dict[str, str]] = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        layer, key = cells[0].replace("\\", ""), by_label[cells[1]]
        for name, value in zip(names, cells[2:], strict=True):
            out.setdefault((name, layer), {})[key] = value
    return out


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str, str], dict[str, str]] = {}
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and "data-metric" in a:
            self._open = {"value": a["data-value"], "text": ""}
            self.cells[(a["data-option"], a["data-layer"], a["data-metric"])] = self._open

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "td":
            self._open = None


def read_html(path: Path) -> dict[tuple[str, str], dict[str, dict[str, str]]]:
    parser = _Cells()
    parser.feed(path.read_text(encoding="utf-8"))
    by_name = {m.name: m.key for m in LAYER_METRICS}
    out: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    for (option, layer, name), cell in parser.cells.items():
        out.setdefault((option, layer), {})[by_name[name]] = {"value": cell["value"], "text": cell["text"].strip()}
    return out


# --------------------------------------------------------------------------------------------------
# comparing a printed figure with the value, to the rounding the view prints


def agrees_pct(text: str, value: float, digits: int) -> bool:
    """"99.7 %" / "100 %" / ">99 %" / "<1 %" against a share."""
    if text == ">99 %":
        return 0.995 <= value < 1
    if text == "<1 %":
        return 0 < value < 0.005
    return abs(float(text.rstrip(" %")) - 100 * value) <= 0.5 * 10 ** -digits + 1e-9


def agrees_people(text: str, value: float, terminal: bool) -> bool:
    """"206,200" (the terminal rounds to hundreds above 10,000) or "206,173" against a count of people."""
    step = 100 if terminal and value >= 10_000 else 1
    return abs(float(text.replace(",", "")) - value) <= step / 2 + 1e-9


def agrees_text(m: Metric, text: str, value, *, terminal: bool = False) -> bool:
    if value is None:
        return text in ("n/a", "–", "")
    if m.unit == "share":
        return agrees_pct(text, value, 0 if terminal else 1)
    if m.unit == "people":
        return agrees_people(text, value, terminal)
    if m.unit == "km2":
        return abs(float(text.replace(",", "")) - value) <= 0.05 + 1e-9
    if m.unit == "m2":
        if text.endswith("km²"):
            return abs(float(text.removesuffix(" km²").replace(",", "")) - value / 1e6) <= 0.005 + 1e-9
        return abs(float(text.removesuffix(" m²").replace(",", "")) - value) <= 0.5 + 1e-9
    if m.unit == "metres":
        return abs(float(text.removesuffix(" m").replace(",", "")) - value) <= 0.5 + 1e-9
    if m.unit == "places" and " of " in text:
        k, n = text.split(" of ")
        return int(k) == value
    return int(text.replace(",", "")) == value


def test_every_view_shows_every_figure_as_the_registry_gives_it(comparison, written):
    out, terminal_text = written
    views = {
        "terminal": read_terminal(terminal_text, comparison),
        "csv": read_csv(out / "scorecard.csv"),
        "json": read_json(out / "comparison.json"),
        "xlsx": read_xlsx(out / "report.xlsx"),
        "md": read_markdown(out / "report.md", comparison),
        "html": read_html(out / "report.html"),
    }
    expected = independent(comparison)
    seen: dict[str, set[str]] = {}
    for opt in comparison.options:
        for m in OPTION_METRICS:
            value = m.value(opt)
            for view in ("terminal", "csv", "json"):
                shown = views[view].get((opt.name, ""), {}).get(m.key)
                if shown is None:
                    continue
                if isinstance(shown, str) and view == "terminal":
                    assert agrees_text(m, shown, value, terminal=True), (view, opt.name, m.key, shown, value)
                else:
                    assert float(shown) == pytest.approx(value, rel=1e-12), (view, opt.name, m.key, shown, value)
        for lid, res in opt.results.items():
            for m in LAYER_METRICS:
                value = m.value(res)
                if m.key in expected[(opt.name, lid)]:
                    assert value == pytest.approx(expected[(opt.name, lid)][m.key], rel=1e-9, abs=1e-9)
                for view, figures in views.items():
                    shown = figures.get((opt.name, lid), {}).get(m.key)
                    if shown is None:
                        continue
                    seen.setdefault(m.key, set()).add(view)
                    where = (view, opt.name, lid, m.key, shown, value)
                    if view == "terminal":
                        assert agrees_text(m, shown, value, terminal=True), where
                    elif view == "md":
                        assert agrees_text(m, shown, value), where
                    elif view == "html":
                        assert agrees_text(m, shown["text"], value), where
                        assert (None if shown["value"] == "" else float(shown["value"])) == pytest.approx(value), where
                    elif view == "csv" and value is None:
                        assert shown == "", where
                    elif view == "csv":
                        assert (None if shown == "" else float(shown)) == pytest.approx(value, rel=1e-12), where
                    else:  # json, xlsx: numbers as numbers
                        assert shown == pytest.approx(value, rel=1e-12, abs=1e-12), where
    # each view shows every figure the registry says it shows; boundary match (no independent sum) in all six
    # the terminal prints edge noise only where there is some, edge match only for a user's file (none here)
    conditional = {"noise_units_only", "noise_area_m2", "noise_widest_m", "edge_match", "edge_offset_m"}
    for m in LAYER_METRICS:
        if m.key in ("edge_match", "edge_offset_m"):
            continue
        views_shown = set(m.views) - ({"terminal"} if m.key in conditional else set())
        assert views_shown <= seen.get(m.key, set()), (m.key, m.views, seen.get(m.key))
    assert len(seen["boundary_match"]) == 6


def test_people_moving_is_over_split_units_only_in_every_view(comparison, written):
    """The number the issue corrects: on the edge layer, the whole units' edge pieces move nobody."""
    out, _ = written
    expected = independent(comparison)
    scorecard = read_csv(out / "scorecard.csv")
    markdown = read_markdown(out / "report.md", comparison)
    for opt in comparison.options:
        want = expected[(opt.name, EDGE_LAYER)]
        assert float(scorecard[(opt.name, EDGE_LAYER)]["people_moving"]) == pytest.approx(want["people_moving"])
        assert markdown[(opt.name, EDGE_LAYER)]["people_moving"] == f"{round(want['people_moving']):,}"
    councils = expected[("Six council places (2024)", EDGE_LAYER)]
    assert councils["split_units"] == 0 and councils["people_moving"] == 0
    # the edge pieces the CSV used to add up as "people moving" (3,842 with the old generalised lad24 blocks)
    # are edge noise now: reported as such, moving nobody
    noise = comparison.option("Six council places (2024)").results[EDGE_LAYER].noise
    assert noise.population > 100 and noise.area_m2 > 0


def test_every_view_shows_each_place_profile_as_the_registry_gives_it(comparison, written):
    """Issue 16: the place profile (PLACE_METRICS) in JSON, CSV, XLSX, Markdown, HTML and the terminal."""
    from openpyxl import load_workbook

    from placegeo.registry import PLACE_METRICS, shown_in

    out, terminal_text = written
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    places_csv = list(csv.DictReader((out / "places.csv").open(encoding="utf-8")))
    sheet = list(load_workbook(out / "report.xlsx")["Places"].iter_rows(values_only=True))
    header = sheet[0]
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    checked = 0
    for opt, opt_doc in zip(comparison.options, doc["options"], strict=True):
        json_places = {p["name"]: p["profile"] for p in opt_doc["places"]}
        for place in opt.places:
            assert place.profile is not None and place.profile.core20_share is not None
            for m in shown_in("json", metrics=PLACE_METRICS):
                value = m.value(place)
                shown = json_places[place.name][m.key]
                assert shown == value if value is None else shown == pytest.approx(value, rel=1e-12), m.key
            for row in (r for r in places_csv if r["option"] == opt.name and r["place"] == place.name):
                for m in shown_in("csv", metrics=PLACE_METRICS):
                    value = m.value(place)
                    shown = None if row[m.key] == "" else float(row[m.key])
                    assert shown == value if value is None else shown == pytest.approx(value), m.key
            xlsx = next(r for r in sheet[1:] if r[0] == opt.name and r[1] == place.name)
            for m in shown_in("xlsx", metrics=PLACE_METRICS):
                if m.value(place) is not None:
                    assert xlsx[header.index(m.heading)] == pytest.approx(m.value(place), rel=1e-12), m.key
            share = f"{place.profile.core20_share * 100:.1f} %"
            assert share in md and share in html
            assert f"Core20 {round(place.profile.core20_share * 100):.0f} %" in terminal_text \
                or place.profile.core20_share < 0.005
            checked += 1
    assert checked == sum(len(o.places) for o in comparison.options)
    assert "English Indices of Deprivation 2025" in md and "English Indices of Deprivation 2025" in html
