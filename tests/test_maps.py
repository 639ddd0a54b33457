"""`placegeo map` and placegeo.render.maps: page sizes, formats, legend, labels, splits, attribution, images.

Image regression: PNGs rendered at a low dpi are compared with tests/baseline/*.png within an RMS tolerance
(matplotlib.testing.compare.compare_images, as matplotlib and geopandas do). After an intended change to the
maps, regenerate the baselines and look at them before committing:

    PLACEGEO_REGEN_BASELINES=1 /tmp/tv/bin/python -m pytest -q tests/test_maps.py -k baseline
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import pytest

from tests.conftest import OPTIONS

FIVE = OPTIONS / "lsc-five-partnerships-2019.yaml"
FOUR = OPTIONS / "lsc-four-places-2022.yaml"
BASELINE = Path(__file__).resolve().parent / "baseline"
REGEN = os.environ.get("PLACEGEO_REGEN_BASELINES") == "1"
TOL_RMS = 6.0
LOW_DPI = 40
MM_TO_PT = 72 / 25.4


@pytest.fixture(scope="module")
def options():
    from placegeo.options import load_option

    return {"five": load_option(FIVE), "four": load_option(FOUR)}


@pytest.fixture(scope="module")
def four_map(options):
    from placegeo.tasks import map_options

    return map_options([options["four"]], overlays=["lad21"], highlight_splits="ccg21")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def pdf_mediabox(path: Path) -> tuple[float, float]:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    match = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    return float(match.group(1)), float(match.group(2))


def svg_size(text: str) -> tuple[float, float]:
    root = re.search(r"<svg[^>]*>", text).group(0)
    width = re.search(r'width="([\d.]+)pt"', root).group(1)
    height = re.search(r'height="([\d.]+)pt"', root).group(1)
    return float(width), float(height)


# -- formats and page sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("paper", "mm"), [("a4-landscape", (297, 210)), ("a4-portrait", (210, 297)),
                                           ("a3-landscape", (420, 297))])
def test_pdf_page_is_the_paper_size_in_points(run_cli, tmp_path, paper, mm):
    out = tmp_path / "map.pdf"
    result = run_cli("map", FIVE, "--paper", paper, "--no-labels", "--out", out)
    assert result.exit_code == 0, result.stderr
    width, height = pdf_mediabox(out)
    assert width == pytest.approx(mm[0] * MM_TO_PT, abs=0.01)
    assert height == pytest.approx(mm[1] * MM_TO_PT, abs=0.01)


def test_svg_size_title_and_attribution(run_cli, tmp_path):
    out = tmp_path / "map.svg"
    result = run_cli("map", FOUR, "--format", "svg", "--out", out, "--title", "Board paper: four places")
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert svg_size(text) == (pytest.approx(297 * MM_TO_PT, abs=0.01), pytest.approx(210 * MM_TO_PT, abs=0.01))
    assert "Board paper: four places" in text  # text stays text (svg.fonttype none)
    assert "Office for National Statistics licensed under the Open Government Licence v.3.0" in text
    assert "© Crown copyright and database right 2021" in text
    for gid in ("scale-bar", "north-arrow", "legend", "attribution", "map-subtitle"):
        assert f'id="{gid}"' in text


@pytest.mark.parametrize(("paper", "mm"), [("a4-landscape", (297, 210)), ("16:9", (338.667, 190.5))])
def test_png_pixels_are_mm_over_25_4_times_dpi(run_cli, tmp_path, paper, mm):
    out = tmp_path / "map.png"
    result = run_cli("map", FIVE, "--paper", paper, "--dpi", LOW_DPI, "--out", out)
    assert result.exit_code == 0, result.stderr
    width, height = png_size(out)
    assert abs(width - mm[0] / 25.4 * LOW_DPI) <= 1
    assert abs(height - mm[1] / 25.4 * LOW_DPI) <= 1


def test_output_is_deterministic(four_map, tmp_path):
    from placegeo.render.maps import save_map

    for fmt in ("svg", "pdf", "png"):
        a = save_map(four_map, tmp_path / f"a.{fmt}", dpi=LOW_DPI)
        b = save_map(four_map, tmp_path / f"b.{fmt}", dpi=LOW_DPI)
        assert a.read_bytes() == b.read_bytes(), fmt
    assert b"CreationDate" not in (tmp_path / "a.pdf").read_bytes()


# -- content ---------------------------------------------------------------------------------------------


def legend_labels(fig) -> list[str]:
    return [t.get_text() for t in fig.legends[0].get_texts()]


def test_one_legend_entry_per_place(four_map, options):
    labels = legend_labels(four_map)
    for place in options["four"].place_names:
        assert labels.count(place) == 1
    subunits = [s for p in options["four"].places if p.subunits for s in p.subunits.place_names]
    assert [label.strip() for label in labels if label.startswith("    ")] == subunits


def test_side_by_side_has_one_legend_and_one_scale(options):
    from placegeo.tasks import map_options

    fig = map_options([options["five"], options["four"]], labels=False)
    assert len(fig.legends) == 1
    labels = legend_labels(fig)
    for place in options["five"].place_names + options["four"].place_names:
        assert labels.count(place) == 1
    panels = [ax for ax in fig.axes if (ax.get_gid() or "").startswith("map-panel")]
    assert len(panels) == 2
    scales = [(ax.get_xlim()[1] - ax.get_xlim()[0]) / ax.get_position().width for ax in panels]
    assert scales[0] == pytest.approx(scales[1], rel=1e-9)


def test_a_place_keeps_its_colour_across_maps(options):
    from matplotlib.colors import to_hex

    from placegeo.render.palette import TOL_LIGHT, place_colours
    from placegeo.tasks import map_options

    def fills(fig):
        return {p.get_gid(): to_hex(p.get_facecolor()) for ax in fig.axes for p in ax.patches if p.get_gid()}

    alone = fills(map_options([options["five"]], labels=False))
    together = fills(map_options([options["five"], options["four"]], labels=False))
    for place in options["five"].place_names:
        gid = "place-" + place.replace(" ", "-")
        assert alone[gid] == together[gid]
    colours = place_colours([options["five"].place_names])
    assert len(set(colours.values())) == len(colours)  # distinct while the palette lasts
    assert set(colours.values()) <= set(TOL_LIGHT)


CHESHIRE_MERSEYSIDE = OPTIONS.parent.parent / "docs" / "examples" / "cheshire-merseyside" / "councils-2024.yaml"


def legend_colours(fig) -> dict[str, str]:
    """Legend label -> swatch colour (the places' colours; sub-units are indented)."""
    from matplotlib.colors import to_hex

    leg = fig.legends[0]
    return {t.get_text(): to_hex(h.get_facecolor()) for t, h in zip(leg.get_texts(), leg.legend_handles, strict=True)
            if hasattr(h, "get_facecolor") and h.get_facecolor()[3] > 0}


def panel_fills(fig) -> list[dict[str, str]]:
    """Per map panel: patch id -> fill colour of the places and sub-units drawn."""
    from matplotlib.colors import to_hex

    return [{p.get_gid(): to_hex(p.get_facecolor()) for p in ax.patches if (p.get_gid() or "").startswith("place-")}
            for ax in fig.axes if (ax.get_gid() or "").startswith("map-panel")]


def neighbours(option) -> set[tuple[str, str]]:
    """Pairs of places of ``option`` that touch, found pair by pair with a 1 m buffer (no spatial index)."""
    rows = list(zip(option.frame["place"], option.frame.geometry, strict=True))
    return {(a, b) for i, (a, ga) in enumerate(rows) for b, gb in rows[i + 1:] if ga.buffer(1.0).intersects(gb)}


@pytest.mark.parametrize(("sources", "touching"), [([FIVE, FOUR], 9), ([CHESHIRE_MERSEYSIDE], 14)],
                         ids=["lsc-side-by-side", "cheshire-merseyside"])
def test_no_two_neighbouring_places_share_a_colour(sources, touching):
    from placegeo.options import load_option
    from placegeo.tasks import map_options

    loaded = [load_option(s) for s in sources]
    colours = legend_colours(map_options(loaded, labels=False))
    pairs = [pair for option in loaded for pair in neighbours(option)]
    assert len(pairs) == touching  # six pairs of partnerships and three of councils; 14 pairs of the nine councils
    for a, b in pairs:
        assert colours[a] != colours[b], (a, b)


def test_cheshire_and_merseyside_uses_every_colour_of_the_palette():
    """Nine councils, eight colours: one repeats, between two councils that do not touch."""
    from placegeo.options import load_option
    from placegeo.render.palette import TOL_LIGHT
    from placegeo.tasks import map_options

    option = load_option(CHESHIRE_MERSEYSIDE)
    fig = map_options([option], highlight_splits="england/ccg21")
    colours = {p: c for p, c in legend_colours(fig).items() if p in option.place_names}
    assert len(colours) == 9 and set(colours.values()) == {c.lower() for c in TOL_LIGHT}
    assert len(neighbours(option)) == 14
    repeated = {p for p, c in colours.items() if list(colours.values()).count(c) == 2}
    assert repeated == {"Cheshire East", "Knowsley"}  # as docs/maps.md says, under its picture
    labels = [t.get_text() for ax in fig.axes for t in ax.texts if (t.get_gid() or "").startswith("split-label-")]
    assert labels == ["NHS Cheshire CCG\n53% Cheshire East\n47% Cheshire West and Chester"]


def test_a_place_keeps_its_colour_across_panels(tmp_path):
    """Blackpool is a place of both options; "Blackpool Council" has its footprint under another name."""
    from placegeo.tasks import map_options

    own = tmp_path / "coast.yaml"
    own.write_text("name: Coast\nblocks: lad21\nplaces:\n  - name: Blackpool\n    blocks: [Blackpool]\n"
                   "  - name: Fylde and Wyre\n    blocks: [Fylde, Wyre]\n", encoding="utf-8")
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text("name: Renamed\nblocks: lad21\nplaces:\n  - name: Blackpool Council\n"
                       "    blocks: [Blackpool]\n", encoding="utf-8")
    fig = map_options([FOUR, own, renamed], labels=False)
    fills = panel_fills(fig)
    assert fills[0]["place-Blackpool"] == fills[1]["place-Blackpool"] == fills[2]["place-Blackpool-Council"]
    assert fills[1]["place-Fylde-and-Wyre"] != fills[1]["place-Blackpool"]


def test_different_places_side_by_side_differ_while_the_palette_lasts(options):
    """Five partnerships and four councils: nine different places, so all eight colours are used."""
    from placegeo.render.palette import TOL_LIGHT
    from placegeo.tasks import map_options

    colours = legend_colours(map_options([options["five"], options["four"]], labels=False))
    places = options["five"].place_names + options["four"].place_names
    assert len(set(places)) == 9
    assert {colours[p] for p in places} == {c.lower() for c in TOL_LIGHT}


def test_sub_units_are_tints_of_their_place(four_map):
    """Each delivery unit differs from Lancashire's own swatch and from the others, with Lancashire's hue."""
    import colorsys

    from matplotlib.colors import to_rgb

    colours = legend_colours(four_map)
    lancashire = colours["Lancashire"]
    names = ("East Lancashire", "Central and West Lancashire", "North and Coast Lancashire")
    units = [colours[f"    {u}"] for u in names]
    assert len({lancashire, *units}) == 4
    hue = colorsys.rgb_to_hls(*to_rgb(lancashire))[0]
    for unit in units:
        assert colorsys.rgb_to_hls(*to_rgb(unit))[0] == pytest.approx(hue, abs=0.02)
    fills = panel_fills(four_map)[0]
    assert fills["place-Lancashire-East-Lancashire"] == units[0]


def test_the_legend_explains_the_hatching(four_map):
    """The Morecambe Bay CCG reaches outside the four places (Craven and the sea): its hatching on white is
    explained, as are the split layer's hatching and the place boundaries."""
    labels = " ".join(legend_labels(four_map))
    assert "outside every place" in labels
    assert "Split Clinical commissioning" in labels and "Place boundary" in labels


def test_scale_bar_has_ticks_at_round_kilometres(four_map):
    ax = next(ax for ax in four_map.axes if ax.get_gid() == "map-panel-1")
    labels = [t for t in ax.texts if t.get_gid() == "scale-bar-label"]
    values = [float(t.get_text()) for t in labels]
    assert values[0] == 0 and values == sorted(values) and all(v == round(v) for v in values)
    ticks = [line for line in ax.lines if (line.get_gid() or "").startswith("scale-bar-tick-")]
    assert len(ticks) >= 3
    # the last label sits as many metres from the first as it says, on the map's own scale
    x0, x1 = labels[0].get_position()[0], labels[-1].get_position()[0]
    xmin, xmax = ax.get_xlim()
    assert (x1 - x0) * (xmax - xmin) == pytest.approx(values[-1] * 1000, rel=1e-9)


def test_attribution_says_a_line_once_with_every_year():
    from placegeo.render.attribution import attributions

    ons = ("Source: Office for National Statistics licensed under the Open Government Licence v.3.0. Contains OS "
           "data © Crown copyright and database right {}.")
    lines = attributions([(ons.format(2021), "lad21"), (ons.format(2022), "england/lad24"),
                          (ons.format(2021), "ccg21"), (ons.format(2024), "published/lad24")])
    assert lines == {ons.format("2021, 2022 and 2024"): ["lad21", "ccg21", "england/lad24", "published/lad24"]}


def test_dollar_signs_are_text_and_missing_glyphs_warn_once(tmp_path, capsys):
    """Matplotlib would read "$5m and $" as mathtext; a character no font has would warn once per glyph."""
    import warnings

    from placegeo.render.maps import save_map
    from placegeo.tasks import map_options

    option = tmp_path / "fund.yaml"
    option.write_text("name: Fund $5m and $6m\nblocks: lad21\nplaces:\n  - name: Fund $5m and $6m\n"
                      "    blocks: [Preston, Chorley]\n  - name: Cost $5 東\n    blocks: [South Ribble]\n",
                      encoding="utf-8")
    said = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = map_options([option], warn=said.append)
        out = save_map(fig, tmp_path / "fund.svg")
    assert said == ["no font has 東: drawn as boxes on the map"]
    text = out.read_text(encoding="utf-8")
    assert "Fund $5m and $6m" in text and "Cost $5 東" in text


def test_labels_do_not_collide_with_each_other_or_the_legend(four_map):
    renderer = four_map.canvas.get_renderer()
    texts = [t for ax in four_map.axes for t in ax.texts if (t.get_gid() or "").startswith(("label-", "split-"))]
    assert len(texts) >= 7  # 4 places, 3 delivery units, the split unit
    boxes = [t.get_window_extent(renderer) for t in texts]
    legend = four_map.legends[0].get_window_extent(renderer)
    for i, a in enumerate(boxes):
        assert not a.overlaps(legend)
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)


def test_highlighted_splits_are_the_units_split_by_population(options):
    """Districts split by the five partnerships, computed independently from LSOA populations."""
    import geopandas as gpd

    from placegeo.catalogue import get_entry
    from placegeo.tasks import map_options

    lsoa = gpd.read_file(get_entry("lsoa11").path)
    ccg_place = {c: p.name for p in options["five"].places for c in p.blocks}
    lsoa = lsoa[lsoa["CCG21CD"].isin(ccg_place)]
    lsoa["place"] = lsoa["CCG21CD"].map(ccg_place)
    pop = lsoa.groupby(["LAD21CD", "place"])["POP2020"].sum()
    share = pop / pop.groupby(level=0).transform("sum")
    expected = {code for code, s in share.groupby(level=0) if s.max() < 0.99}
    assert expected == {"E07000123", "E07000124"}  # Preston, Ribble Valley

    fig = map_options([options["five"]], highlight_splits="lad21")
    hatched = {p.get_gid().removeprefix("split-") for ax in fig.axes for p in ax.patches
               if (p.get_gid() or "").startswith("split-")}
    assert hatched == expected
    labels = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "Ribble Valley" in labels and "Pennine Lancashire" in labels


def test_practices_are_drawn(options):
    from placegeo.layers import load_layer
    from placegeo.tasks import map_options

    fig = map_options([options["five"]], practices=True, labels=False)
    dots = [c for ax in fig.axes for c in ax.collections if c.get_gid() == "practices"]
    assert len(dots) == 1 and len(dots[0].get_offsets()) == len(load_layer("practices").frame)
    assert "GP practice" in legend_labels(fig)


def test_coverage_simplification_keeps_shared_edges():
    import shapely

    from placegeo.layers import load_layer
    from placegeo.render.shapes import coverage_simplified

    geoms = load_layer("lsoa11").frame.geometry.values
    simple = coverage_simplified(geoms, 500.0)
    assert shapely.get_num_coordinates(simple).sum() < shapely.get_num_coordinates(geoms).sum()
    assert shapely.coverage_is_valid(simple)  # no overlaps; shared edges still match vertex for vertex
    union = shapely.coverage_union_all(simple)
    # no hairline gaps: the union has no holes the original tiling did not have
    holes = sum(len(p.interiors) for p in shapely.get_parts(union))
    assert holes == sum(len(p.interiors) for p in shapely.get_parts(shapely.coverage_union_all(geoms)))


# -- user files and errors -------------------------------------------------------------------------------


@pytest.fixture
def user_file(tmp_path) -> Path:
    """A planner's own polygons: two places, no catalogue entry."""
    from placegeo.layers import load_layer

    lad = load_layer("lad21").frame
    north = {"Lancaster", "South Lakeland", "Barrow-in-Furness"}
    lad = lad[lad["LAD21NM"].isin(north | {"Wyre", "Fylde", "Blackpool"})].copy()
    lad["place"] = ["North" if n in north else "Coast" for n in lad["LAD21NM"]]
    path = tmp_path / "drawn.gpkg"
    lad[["place", "geometry"]].to_file(path)
    return path


def test_user_file_gets_scale_bar_north_arrow_and_a_warning(run_cli, user_file, tmp_path):
    out = tmp_path / "drawn.svg"
    result = run_cli("map", user_file, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "warning: no attribution" in result.stderr and "--attribution" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert 'id="scale-bar"' in text and 'id="north-arrow"' in text
    assert ">km<" in text or " km<" in text


def test_user_file_attribution_is_printed(run_cli, user_file, tmp_path):
    out = tmp_path / "drawn.svg"
    result = run_cli("map", user_file, "--out", out, "--attribution", "Boundaries © Example Council 2025")
    assert result.exit_code == 0 and "warning" not in result.stderr
    assert "Boundaries © Example Council 2025" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("args", [
    ("--format", "pdf", "--out", "map.png"),
    ("--paper", "a5"),
    ("--out", "map.jpg"),
    ("--overlay", "practices"),
    ("--highlight-splits", "nolayer"),
])
def test_bad_arguments_exit_2(run_cli, tmp_path, args):
    args = [str(tmp_path / a) if a.startswith("map.") else a for a in args]
    result = run_cli("map", FIVE, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("placegeo: error:")


def test_two_options_need_side_by_side(run_cli, tmp_path):
    result = run_cli("map", FIVE, FOUR, "--out", tmp_path / "x.png")
    assert result.exit_code == 2 and "--side-by-side" in result.stderr


def test_refuses_to_overwrite_without_force(run_cli, tmp_path):
    out = tmp_path / "map.svg"
    out.write_text("keep me")
    result = run_cli("map", FIVE, "--no-labels", "--out", out)
    assert result.exit_code == 2 and out.read_text() == "keep me"
    assert run_cli("map", FIVE, "--no-labels", "--out", out, "--force").exit_code == 0
    assert out.read_text(encoding="utf-8").lstrip().startswith("<?xml")


# -- image regression ------------------------------------------------------------------------------------

CASES = {
    "five-splits-lad21": ([FIVE], {"overlays": ["lad21"], "highlight_splits": "lad21"}),
    "four-subunits-ccg21": ([FOUR], {"overlays": ["lad21"], "highlight_splits": "ccg21", "practices": True}),
    "side-by-side": ([FIVE, FOUR], {"overlays": ["icb"]}),
    "four-portrait": ([FOUR], {"paper": "a4-portrait"}),
    "four-shaded-imd": ([FOUR], {"shade": "imd"}),  # issue 16: IMD deciles under the place outlines
    "cheshire-merseyside": ([CHESHIRE_MERSEYSIDE], {"highlight_splits": "england/ccg21"}),  # issue 17: 9 places
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_baseline_image(case, tmp_path):
    from matplotlib.testing.compare import compare_images

    from placegeo.render.maps import save_map
    from placegeo.tasks import map_options

    sources, kwargs = CASES[case]
    fig = map_options(sources, **kwargs)
    expected = BASELINE / f"{case}.png"
    if REGEN:
        save_map(fig, expected, dpi=LOW_DPI, force=True)
        pytest.skip(f"regenerated {expected.name}")
    actual = save_map(fig, tmp_path / f"{case}.png", dpi=LOW_DPI)
    assert expected.exists(), f"no baseline {expected.name}: run with PLACEGEO_REGEN_BASELINES=1"
    failure = compare_images(str(expected), str(actual), tol=TOL_RMS)
    assert failure is None, failure


def _hatched(fig) -> set[str]:
    return {p.get_gid().removeprefix("split-") for ax in fig.axes for p in ax.patches
            if (p.get_gid() or "").startswith("split-")}


def test_england_splits_follow_compare_and_leave_neighbours_unhatched():
    """Six councils (2024) against the separately generalised upper tiers: the map hatches what compare
    reports (England population by default), not the neighbours Doncaster and Lincolnshire that touch the
    footprint only through generalisation slivers."""
    from placegeo.comparison import compare
    from placegeo.tasks import map_options

    option = OPTIONS.parent.parent / "docs" / "examples" / "humber-north-yorkshire" / "councils-2024.yaml"
    cmp = compare([option], ["published/ctyua21"], boundary=False)
    res = cmp.options[0].results["published/ctyua21"]
    assert cmp.settings.population_layer == "england/lsoa21"
    fig = map_options([option], highlight_splits="published/ctyua21")
    assert _hatched(fig) == {u.code for u in res.split_units}
    assert not _hatched(fig) & {"E08000017", "E10000019"}  # Doncaster, Lincolnshire
    assert {"E08000017", "E10000019"} <= {u.code for u in res.outside_units}


def test_map_population_option_matches_compare(run_cli, options, tmp_path):
    from placegeo.comparison import compare
    from placegeo.tasks import map_options

    res = compare([options["five"]], ["lad21"], population="lsoa21", boundary=False).options[0].results["lad21"]
    fig = map_options([options["five"]], highlight_splits="lad21", population="lsoa21")
    assert _hatched(fig) == {u.code for u in res.split_units}
    out = tmp_path / "five.png"
    result = run_cli("map", str(FIVE), "--highlight-splits", "lad21", "--population", "lsoa21", "-o", str(out))
    assert result.exit_code == 0 and out.exists()


def test_comparison_only_layer_cannot_be_highlighted(options):
    from placegeo.errors import UsageError
    from placegeo.tasks import map_options

    with pytest.raises(UsageError, match="pcn-edec2020"):
        map_options([options["four"]], highlight_splits="pcn-edec2020")


def test_figure_displays_inline_without_pyplot(four_map):
    """IPython's PNG formatter (what Jupyter calls) gets an image from the figure itself."""
    from IPython.core.formatters import PNGFormatter

    png = PNGFormatter()(four_map)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width / height == pytest.approx(four_map.get_figwidth() / four_map.get_figheight(), rel=0.02)
    assert 800 < width < 1400  # screen resolution, not print


def test_a_modelled_split_layer_is_marked_and_footnoted(options):
    """PCN footprints are modelled: the legend, every split label and the foot carry † and the caveat."""
    from placegeo.catalogue import get_entry
    from placegeo.tasks import map_options

    fig = map_options([options["four"]], highlight_splits="pcn", warn=lambda _: None)
    assert any("†" in label for label in legend_labels(fig))
    labels = [t.get_text() for ax in fig.axes for t in ax.texts if (t.get_gid() or "").startswith("split-label-")]
    assert labels and all(label.splitlines()[0].endswith(" †") for label in labels)
    foot = " ".join(next(t for t in fig.texts if t.get_gid() == "attribution").get_text().split())
    assert "† pcn: " + " ".join(get_entry("pcn").caveat.split()) in foot
    plain = map_options([options["four"]], highlight_splits="ccg21")
    assert not any("†" in t.get_text() for t in plain.findobj(lambda a: hasattr(a, "get_text")))
