"""`placegeo report`: every format from one Comparison, checked against its JSON; the HTML in a real browser.

The browser tests need Debian's chromium (`apt-get install -y chromium`); without it they skip and say so.
The screenshot is kept in the test's temporary directory (and copied to $PLACEGEO_ARTIFACTS when set).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import DATA, OPTIONS

FIVE = OPTIONS / "lsc-five-partnerships-2019.yaml"
FOUR = OPTIONS / "lsc-four-places-2022.yaml"
HAS_PCN = (DATA / "boundaries" / "catalogue.d" / "pcn.yaml").exists()  # the PCN layer, when bundled
AGAINST = ["lad21", "ctyua21", "ccg21"] + (["pcn"] if HAS_PCN else [])
ALL = ["report.html", "report.xlsx", "report.md", "scorecard.csv", "splits.csv", "places.csv", "overlap.csv",
       "comparison.json"]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The report on the two bundled L&SC options, written once through the CLI."""
    from placegeo.cli import run

    out = tmp_path_factory.mktemp("report") / "out"
    code = run(["report", str(FIVE), str(FOUR), "--against", *AGAINST, "--out", str(out)])
    assert code == 0
    return out


def _doc(out: Path) -> dict:
    return json.loads((out / "comparison.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------------
# chromium


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium not found: install it with `apt-get install -y chromium` (Debian) to run the browser "
                    "checks of the HTML report")
    return path


def _browser(html: Path, tmp: Path, *extra: str) -> str:
    profile = tmp / "chromium-profile"
    args = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", *extra, html.resolve().as_uri()]
    env = {**os.environ, "HOME": str(tmp)}
    done = subprocess.run(args, capture_output=True, text=True, timeout=180, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class _Dom(HTMLParser):
    """What the tests look for in the rendered DOM: scorecard cells, elements by tag, attributes, text."""

    def __init__(self):
        super().__init__()
        self.cells: list[dict] = []
        self.tags: dict[str, int] = {}
        self.attrs: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self._cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        a = dict(attrs)
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        if tag == "td" and "data-metric" in a:
            self._cell = {**a, "text": ""}
            self.cells.append(self._cell)

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell["text"] += data


def _dom(text: str) -> _Dom:
    dom = _Dom()
    dom.feed(text)
    return dom


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


@pytest.mark.browser
def test_html_renders_in_chromium_with_the_scorecard_of_the_json(bundled, tmp_path):
    doc = _doc(bundled)
    dom = _dom(_browser(bundled / "report.html", tmp_path, "--dump-dom"))
    cells = {(c["data-option"], c["data-layer"], c["data-metric"]): c for c in dom.cells}
    checked = 0
    for opt in doc["options"]:
        for layer_id, res in opt["layers"].items():
            for weight in ("area", "population"):
                cell = cells[(opt["name"], layer_id, f"coterminosity_{weight}")]
                assert float(cell["data-value"]) == pytest.approx(res["coterminosity"][weight], abs=1e-12)
                assert cell["text"].strip() == _pct(res["coterminosity"][weight])
                checked += 1
            assert int(cells[(opt["name"], layer_id, "split_count")]["data-value"]) == len(res["split_units"])
            assert int(cells[(opt["name"], layer_id, "coterminous_places")]["data-value"]) == res["coterminous_places"]
            moved = sum(u["moving"]["population"] for u in res["split_units"])
            assert float(cells[(opt["name"], layer_id, "people_moved")]["data-value"]) == pytest.approx(moved)
    assert checked == 2 * 2 * len(AGAINST)
    text = " ".join(dom.text)
    assert "Summary" in text and "Methods" in text and "Open Government Licence" in text
    assert dom.tags.get("svg", 0) == 2, "one inline SVG map per option"
    assert dom.tags.get("script", 0) == 0
    # self-contained: no external resource of any kind
    assert not [v for tag, k, v in dom.attrs if k in ("src", "href") and not v.startswith("#")]
    assert "@import" not in text and "url(http" not in text


@pytest.mark.browser
def test_html_screenshot_is_drawn(bundled, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    _browser(bundled / "report.html", tmp_path, f"--screenshot={shot}", "--window-size=1280,2000")
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 2000)
    low, high = image.getextrema()
    assert low < 60 and high > 200, "the page is blank"
    if os.environ.get("PLACEGEO_ARTIFACTS"):
        target = Path(os.environ["PLACEGEO_ARTIFACTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / "report.png")


# --------------------------------------------------------------------------------------------------
# files


def test_every_format_is_written_and_csv_json_are_the_engines(bundled, tmp_path):
    from placegeo.compare_output import write_outputs
    from placegeo.comparison import compare

    assert sorted(p.name for p in bundled.iterdir()) == sorted(ALL)
    engine = tmp_path / "compare"
    write_outputs(compare([FIVE, FOUR], AGAINST), engine)
    for name in ("scorecard.csv", "splits.csv", "places.csv", "overlap.csv"):
        assert (bundled / name).read_bytes() == (engine / name).read_bytes(), name
    assert _doc(bundled) == _doc(engine)


def test_xlsx_cells_match_the_json(bundled):
    from openpyxl import load_workbook

    doc = _doc(bundled)
    wb = load_workbook(bundled / "report.xlsx")
    assert wb.sheetnames == ["Scorecard", "Places", "Splits", "Overlaps", "Data sources"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.column_dimensions["A"].width > 8
    score = wb["Scorecard"]
    header = [c.value for c in score[1]]
    rows = {(r[0], r[1]): dict(zip(header, r, strict=True)) for r in score.iter_rows(min_row=2, values_only=True)}
    col = header.index("Coterminosity (population)") + 1
    assert score.cell(row=2, column=col).number_format == "0.0%"
    for opt in doc["options"]:
        for layer_id, res in opt["layers"].items():
            row = rows[(opt["name"], layer_id)]
            assert row["Coterminosity (area)"] == pytest.approx(res["coterminosity"]["area"], abs=1e-12)
            assert row["Coterminosity (population)"] == pytest.approx(res["coterminosity"]["population"], abs=1e-12)
            assert row["Split units"] == len(res["split_units"])
            assert row["Coterminous places"] == res["coterminous_places"]
    places = {(r[0], r[1]): r for r in wb["Places"].iter_rows(min_row=2, values_only=True)}
    for opt in doc["options"]:
        for p in opt["places"]:
            assert places[(opt["name"], p["name"])][3] == pytest.approx(p["population"])
            assert places[(opt["name"], p["name"])][4] == pytest.approx(p["area_km2"])
    splits = {(r[0], r[1], r[2], r[4]): r[5] for r in wb["Splits"].iter_rows(min_row=2, values_only=True)}
    expected = {(o["name"], lid, u["code"], place): share for o in doc["options"] for lid, res in o["layers"].items()
                for u in res["split_units"] for place, share in u["shares"].items()}
    assert splits.keys() == expected.keys()
    for key, share in expected.items():
        assert splits[key] == pytest.approx(share, abs=1e-12)


def test_markdown_has_the_summary_and_every_split(bundled):
    doc = _doc(bundled)
    text = (bundled / "report.md").read_text(encoding="utf-8")
    assert text.startswith("# Coterminosity report")
    for opt in doc["options"]:
        for res in opt["layers"].values():
            for unit in res["split_units"]:
                assert f"| {unit['code']} |" in text


def test_report_refuses_to_overwrite_without_force(run_cli, tmp_path):
    out = tmp_path / "out"
    assert run_cli("report", FIVE, "--against", "lad21", "--out", out, "--formats", "md,json").exit_code == 0
    before = (out / "report.md").read_bytes()
    (out / "report.md").write_text("kept", encoding="utf-8")
    again = run_cli("report", FIVE, "--against", "lad21", "--out", out, "--formats", "md,json")
    assert again.exit_code == 2 and "--force" in again.stderr
    assert (out / "report.md").read_text(encoding="utf-8") == "kept"
    assert run_cli("report", FIVE, "--against", "lad21", "--out", out, "--formats", "md,json", "--force").exit_code == 0
    assert (out / "report.md").read_bytes() == before


def test_unknown_format_is_one_line_usage_error(run_cli, tmp_path):
    result = run_cli("report", FIVE, "--out", tmp_path / "o", "--formats", "html,pdf")
    assert result.exit_code == 2
    assert "unknown --format 'pdf' (use html, xlsx, md, csv or json)" in result.stderr  # --formats: the old spelling
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


# --------------------------------------------------------------------------------------------------
# hostile place names


HOSTILE = """\
name: "Hostile <b>names</b>"
blocks: lad21
places:
  - name: "<script>alert(1)</script>"
    blocks: [Preston, Chorley, South Ribble]
  - name: "../../etc/passwd"
    blocks: [Blackpool]
  - name: "=HYPERLINK(\\"http://example.com\\")"
    blocks: [Fylde, Wyre]
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from placegeo.cli import run

    root = tmp_path_factory.mktemp("hostile")
    option = root / "hostile.yaml"
    option.write_text(HOSTILE, encoding="utf-8")
    before = {p for p in root.rglob("*")}
    out = root / "out"
    assert run(["report", str(option), "--against", "lad21", "ccg21", "--out", str(out)]) == 0
    after = {p for p in root.rglob("*")}
    return root, out, after - before


def test_hostile_names_make_no_stray_file(hostile):
    root, out, created = hostile
    assert {p.relative_to(root).as_posix() for p in created} == {"out", *(f"out/{n}" for n in ALL)}
    assert not Path("/etc/passwd.csv").exists()


@pytest.mark.browser
def test_hostile_names_are_text_not_script(hostile, tmp_path):
    _, out, _ = hostile
    raw = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    dom = _dom(_browser(out / "report.html", tmp_path, "--dump-dom"))
    assert dom.tags.get("script", 0) == 0
    assert dom.tags.get("b", 0) == 0, "markup in the option name was interpreted"
    text = "".join(dom.text)
    assert "<script>alert(1)</script>" in text and "../../etc/passwd" in text and "Hostile <b>names</b>" in text


def test_hostile_names_stay_text_in_xlsx_and_markdown(hostile):
    from openpyxl import load_workbook

    _, out, _ = hostile
    ws = load_workbook(out / "report.xlsx")["Places"]
    cells = {r[1].value: r[1] for r in ws.iter_rows(min_row=2)}
    assert set(cells) == {"<script>alert(1)</script>", "../../etc/passwd", '=HYPERLINK("http://example.com")'}
    assert all(c.data_type == "s" for c in cells.values()), "a place name became a formula"
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md and r"\<script\>alert(1)\</script\>" in md
    doc = _doc(out)
    assert [p["name"] for p in doc["options"][0]["places"]] == list(cells)


def test_report_takes_snap_place_max_and_population_like_compare(run_cli, tmp_path):
    import json

    from tests.conftest import OPTIONS

    out = tmp_path / "r"
    result = run_cli("report", str(OPTIONS / "lsc-four-places-2022.yaml"), "--against", "lad21", "--formats", "json",
                     "--snap", "100", "--place-max", "400000", "--population", "lsoa21", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    settings = json.loads((out / "comparison.json").read_text())["settings"]
    assert settings["snap_m"] == 100 and settings["place_band"]["high"] == 400000
    assert settings["population_layer"] == "lsoa21"


def test_the_library_report_takes_snap_and_guidance_bands_like_the_command(tmp_path):
    import json

    from placegeo import report
    from placegeo.metrics import Band
    from tests.conftest import OPTIONS

    four = OPTIONS / "lsc-four-places-2022.yaml"
    hoods = tmp_path / "four-as-neighbourhoods.yaml"
    hoods.write_text("level: neighbourhood\n" + four.read_text(encoding="utf-8").replace(
        "name: Four council places", "name: Four neighbourhoods"), encoding="utf-8")
    report([four, hoods], ["lad21"], tmp_path / "r", formats=["json"], snap=100,
           place_band=Band("place", None, 150_000), neighbourhood_band=Band("neighbourhood", 140_000, 160_000))
    doc = json.loads((tmp_path / "r" / "comparison.json").read_text())
    assert doc["settings"]["snap_m"] == 100 and doc["settings"]["place_band"]["high"] == 150_000
    places, neighbourhoods = ({p["name"]: (p["band"], p["neighbourhood"]) for p in o["places"]}
                              for o in doc["options"])
    assert places["Blackpool"] == ("within", "n/a") and neighbourhoods["Blackpool"] == ("n/a", "below")  # 138,381
    assert places["Blackburn with Darwen"] == ("above", "n/a")  # 150,030 people
    assert neighbourhoods["Blackburn with Darwen"] == ("n/a", "within")


def test_a_report_without_maps_is_still_written(tmp_path, run_cli):
    out = tmp_path / "report"
    result = run_cli("report", "data/options/lsc-four-places-2022.yaml", "--against", "lad21", "--weight", "area",
                     "--no-maps", "--formats", "html,json", "--out", out)
    assert result.exit_code == 0, result.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" not in page and "Four council places (July 2022)" in page


# --------------------------------------------------------------------------------------------------
# issue 17: every layer's splits on the maps, one colour per place, caveats on modelled figures


def test_report_maps_show_the_splits_of_every_reference_layer():
    """The four places split Morecambe Bay CCG (ccg21, the third layer) and no district: its map hatches the
    CCG; the five partnerships split Preston and Ribble Valley (lad21) and Lancashire (ctyua21): two panels."""
    from placegeo.api import CompareSettings, report_inputs, report_maps

    comparison, loaded = report_inputs([FIVE, FOUR], ["lad21", "ctyua21", "ccg21"], CompareSettings())
    maps = report_maps(comparison, loaded)
    panels = {name: [layer.id for layer in inputs.split_layers] for name, inputs in maps.items()}
    expected = {opt.name: [lid for lid in ("lad21", "ctyua21", "ccg21") if opt.results[lid].split_units]
                for opt in comparison.options}
    assert panels == expected == {"Five place partnerships (2019-2022)": ["lad21", "ctyua21"],
                                  "Four council places (July 2022)": ["ccg21"]}
    four = comparison.option("Four council places (July 2022)").results["ccg21"]
    assert [u.name for u in four.split_units] == ["NHS Morecambe Bay CCG"]


def test_report_html_hatches_morecambe_bay_ccg_and_colours_places_alike(bundled):
    """The map of the four places hatches the CCG it splits (E38000228) although ccg21 is not the first layer;
    Blackpool's swatch in the places table is the fill of its patch on the map."""
    import re

    page = (bundled / "report.html").read_text(encoding="utf-8")
    assert 'id="map2-split-E38000228"' in page
    swatch = re.search(r'data-place="Blackpool"><td><span class="swatch" style="background: (#[0-9A-Fa-f]{6})', page)
    fill = re.search(r'<g id="map2-place-Blackpool">\s*<path [^>]*style="fill: (#[0-9a-f]{6})', page)
    assert swatch and fill and swatch.group(1).lower() == fill.group(1)


def test_report_marks_pcn_figures_and_footnotes_the_caveat(bundled):
    from openpyxl import load_workbook

    from placegeo.catalogue import get_entry

    if not HAS_PCN:
        pytest.skip("the PCN layer is not bundled")
    caveat = " ".join(get_entry("pcn").caveat.split()[:5])
    md = (bundled / "report.md").read_text(encoding="utf-8")
    assert "| pcn † | Coterminosity index, by area |" in md and "| lad21 † |" not in md
    assert f"† pcn: {caveat}" in md
    html = (bundled / "report.html").read_text(encoding="utf-8")
    assert "(pcn †)" in html and f'data-layer="pcn">† pcn: {caveat}' in html
    wb = load_workbook(bundled / "report.xlsx")
    for sheet in ("Scorecard", "Splits"):
        rows = list(wb[sheet].iter_rows(values_only=True))
        column = rows[0].index("Modelled (†)")
        assert {(r[1], r[column] or "") for r in rows[1:]} == {(lid, "†" if lid == "pcn" else "")
                                                                 for lid in {r[1] for r in rows[1:]}}
    notes = [r[0] for r in wb["Data sources"].iter_rows(values_only=True) if r[0] and str(r[0]).startswith("†")]
    assert notes == [f"† pcn: {' '.join(get_entry('pcn').caveat.split())}"]


def test_a_dollar_in_a_place_name_is_text_in_the_report(tmp_path, run_cli):
    """An unbalanced $ crashed matplotlib's mathtext in the report maps."""
    option = tmp_path / "fund.yaml"
    option.write_text("name: Fund $5m\nblocks: lad21\nplaces:\n  - name: Fund $5m and $6m\n    blocks: [Preston]\n"
                      "  - name: Cost $5\n    blocks: [Chorley, South Ribble]\n", encoding="utf-8")
    out = tmp_path / "report"
    result = run_cli("report", option, "--against", "lad21", "--formats", "html", "--out", out)
    assert result.exit_code == 0, result.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert ">Fund $5m and $6m<" in page and ">Cost $5<" in page
