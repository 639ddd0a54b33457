"""The England geography: every layer an exact union of LSOA 2021s, checked against the official lookups.

Each expected number is a pandas sum over the ONS lookups in ../shared/data/sources joined to Census 2021,
computed here independently of scripts/build_england.py (skipped when the sources are absent).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from placegeo.catalogue import load_catalogue
from placegeo.membership import atom_layer, unit_members

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
ATOMS = "england/lsoa21"
TOL = 0.01

# layer id -> the lookup column (in the table built below) holding its unit code
UNIT_COLUMNS = {
    "england/lad21": "LAD21CD", "england/lad24": "LAD24CD", "england/ctyua21": "CTYUA21CD",
    "england/ctyua24": "CTYUA24CD", "england/ccg21": "CCG21CD", "england/sicbl22": "SICBL22CD",
    "england/icb22": "ICB22CD", "england/sicbl24": "SICBL24CD", "england/icb24": "ICB24CD",
    "england/ward24": "WD24CD",
}


def england_layers() -> list[str]:
    """Every bundled England layer built of england/lsoa21 (the atoms themselves, england/pcn once it lands)."""
    return [i for i in load_catalogue() if i.startswith("england/") and atom_layer(i) == ATOMS]


@pytest.fixture(scope="module")
def lookups(shared_sources) -> pd.DataFrame:
    """LSOA21CD, POP2021 and each unit code, straight from the official lookups (not from the bundle)."""
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(shared_sources / name, dtype=str)

    census = read("lsoa21-population-census2021/census21_pop_lsoa21_EW_agegroups.csv")
    lsoa = read("lsoa-lad-lookups/lookup_lsoa11_lsoa21_ltla22_EW.csv")
    lsoa = lsoa[lsoa.lsoa21_code.str.startswith("E")]
    table = lsoa.drop_duplicates("lsoa21_code")[["lsoa21_code", "ltla22_code"]].rename(
        columns={"lsoa21_code": "LSOA21CD", "ltla22_code": "LAD21CD"})
    table["POP2021"] = table.LSOA21CD.map(census.set_index("lsoa21_code").usual_residents.astype(int))
    utla21 = read("la-hierarchy-lookups/lookup_ltla21_utla21_EW.csv").set_index("ltla21_code").utla21_code
    table["CTYUA21CD"] = table.LAD21CD.map(utla21)
    ward = read("la-hierarchy-lookups/lookup_lsoa21_ward24_ltla24_EW.csv").set_index("lsoa21_code")
    table["LAD24CD"] = table.LSOA21CD.map(ward.ltla24_code)
    table["WD24CD"] = table.LSOA21CD.map(ward.ward24_code)
    utla23 = read("la-hierarchy-lookups/lookup_ltla23_utla23_EW.csv").set_index("ltla23_code").utla23_code
    table["CTYUA24CD"] = table.LAD24CD.map(utla23)
    nhs24 = read("england-nhs-lookups/lookup_lsoa21_sicbl24_icb24_England.csv").set_index("lsoa21_code")
    table["SICBL24CD"] = table.LSOA21CD.map(nhs24.sicbl24_code)
    table["ICB24CD"] = table.LSOA21CD.map(nhs24.icb24_code)
    # LSOA 2011 lookups: each LSOA 2021 takes the unit of its 2011 parents, by their mid-2020 population
    mye = read("lsoa-population-mye2020/population20_lsoa11_EW_total.csv").set_index("lsoa11_code")
    parents = lsoa[["lsoa11_code", "lsoa21_code"]].assign(pop=lambda d: d.lsoa11_code.map(
        mye.total_population.astype(float)))
    for name, column, out in [("lookup_lsoa11_ccg21_stp21_ltla21_England.csv", "ccg21_code", "CCG21CD"),
                              ("lookup_lsoa11_sicbl22_icb22_ltla22_England.csv", "sicbl22_code", "SICBL22CD")]:
        source = read(f"england-nhs-lookups/{name}").set_index("lsoa11_code")
        weights = parents.assign(unit=parents.lsoa11_code.map(source[column])).groupby(
            ["lsoa21_code", "unit"]).pop.sum().reset_index()
        best = weights.sort_values(["lsoa21_code", "pop"], ascending=[True, False]).drop_duplicates("lsoa21_code")
        table[out] = table.LSOA21CD.map(best.set_index("lsoa21_code").unit)
        if out == "SICBL22CD":
            icb = source.drop_duplicates("sicbl22_code").set_index("sicbl22_code").icb22_code
            table["ICB22CD"] = table[out].map(icb)
    assert len(table) == 33_755 and not table.isna().any().any()
    return table.set_index("LSOA21CD")


# --------------------------------------------------------------------------------------------------
# each unit layer against the lookups


@pytest.mark.parametrize("layer_id", sorted(UNIT_COLUMNS))
def test_unit_population_and_lsoa_count_equal_the_lookups(layer_id, lookups):
    from placegeo.layers import bundled_layer

    layer = bundled_layer(layer_id)
    truth = lookups.groupby(UNIT_COLUMNS[layer_id]).agg(pop=("POP2021", "sum"), count=("POP2021", "size"))
    got = layer.frame.set_index(layer.code)
    assert sorted(got.index) == sorted(truth.index)
    assert (got.POP2021.reindex(truth.index) == truth["pop"]).all()
    assert (got.LSOA_COUNT.reindex(truth.index) == truth["count"]).all()
    assert layer.entry.features == len(truth)


def test_the_atom_layer_holds_every_english_lsoa_with_census_and_imd(lookups, shared_sources):
    from placegeo.layers import bundled_layer

    frame = bundled_layer(ATOMS).frame.set_index("LSOA21CD")
    assert len(frame) == 33_755 and int(frame.POP2021.sum()) == 56_489_608  # SOURCE.md: England's residents
    ages = [c for c in frame.columns if c.startswith("POP2021_")]
    assert len(ages) == 6 and (frame[ages].sum(axis=1) == frame.POP2021).all()
    imd = pd.read_csv(shared_sources / "imd-england/imd2025_lsoa21_England.csv").set_index("lsoa21_code")
    assert (imd.IMD_decile.reindex(frame.index) == frame.IMD25_DECILE).all()
    assert (imd.IMD_rank.reindex(frame.index) == frame.IMD25_RANK).all()
    for column in UNIT_COLUMNS.values():
        assert (frame[column] == lookups[column].reindex(frame.index)).all(), column


def test_catalogue_describes_exactness_caveats_and_defaults():
    from placegeo.catalogue import default_against, get_entry

    assert get_entry("england/ward24").exactness == "best-fit" and "wards do not nest" in get_entry(
        "england/ward24").caveat
    for layer_id in UNIT_COLUMNS.keys() - {"england/ward24"}:
        assert get_entry(layer_id).exactness == "exact" and get_entry(layer_id).file is None
    assert get_entry("published/lad21").exactness == "published"
    assert "england/lad21" in get_entry("published/lad21").caveat
    assert default_against("england")[:4] == ["england/ctyua24", "england/lad24", "england/ccg21", "england/sicbl24"]
    assert default_against("lsc") == ["lad21", "ctyua21", "ccg21"]
    assert "2 merged/complex" in get_entry("england/ccg21").notes


# --------------------------------------------------------------------------------------------------
# every pair of bundled England layers: membership and geometry agree, and nothing splits by a sliver


def _atom_units(layer_id: str) -> pd.Series:
    """Atom code -> unit code of ``layer_id``."""
    table = unit_members(layer_id)
    return pd.Series({atom: unit for unit, atoms in table.items() for atom in atoms}, dtype=object)


@pytest.mark.parametrize("pair", list(itertools.combinations(sorted(england_layers()), 2)),
                         ids=lambda p: f"{p[0]}~{p[1]}")
def test_membership_and_geometry_agree_for_every_pair_and_no_unit_splits_by_a_sliver(pair):
    from placegeo.api import overlap
    from placegeo.layers import bundled_layer

    a, b = pair
    exact = overlap(a, b).set_index(["left", "right"]).area_m2
    geometric = overlap(a, b, exact=False).set_index(["left", "right"]).area_m2
    assert set(geometric.index) == set(exact.index)  # no pair from a sliver, none lost
    rel = ((geometric - exact.reindex(geometric.index)).abs() / exact.reindex(geometric.index)).max()
    assert rel < 1e-9
    atoms = bundled_layer(ATOMS).frame
    area = pd.Series(atoms.geometry.area.to_numpy(), index=atoms.LSOA21CD)
    shared = pd.DataFrame({"left": _atom_units(a), "right": _atom_units(b)}).dropna()
    smallest = area.reindex(shared.index).groupby([shared.left, shared.right]).min()
    assert (exact.reindex(smallest.index) >= smallest * (1 - 1e-9)).all()  # never less than one whole LSOA


# --------------------------------------------------------------------------------------------------
# L&SC and England describe the same units the same way


@pytest.mark.parametrize(("lsc", "england", "column"), [
    ("lad21", "england/lad21", "LAD21CD"), ("ctyua21", "england/ctyua21", "CTYUA21CD"),
    ("ccg21", "england/ccg21", "CCG21CD"), ("icb", "england/icb22", "ICB22CD")])
def test_lsc_and_england_layers_give_the_same_memberships(lsc, england, column, shared_sources):
    """Each L&SC LSOA 2011 carried to its LSOA 2021s: same unit code in both, except where 2011 LSOAs merged."""
    from placegeo.layers import bundled_layer

    lsoa11 = bundled_layer("lsoa11").frame.dropna(subset=[column]).set_index("LSOA11CD")[column]
    lookup = pd.read_csv(shared_sources / "lsoa-lad-lookups/lookup_lsoa11_lsoa21_ltla22_EW.csv", dtype=str)
    lookup = lookup[lookup.lsoa11_code.isin(lsoa11.index)]
    england_unit = _atom_units(england)
    pairs = pd.DataFrame({"lsc": lookup.lsoa11_code.map(lsoa11).to_numpy(),
                          "england": lookup.lsoa21_code.map(england_unit).to_numpy(),
                          "change": lookup.change_code.to_numpy()})
    differ = pairs[pairs.lsc != pairs.england]
    assert set(differ.change) <= {"M", "X"}  # only merged / complex LSOAs may straddle
    assert len(differ) == 0, f"{len(differ)} LSOA11 -> 21 merges straddle {lsc}"
    lsc_units = set(bundled_layer(lsc).codes)
    assert lsc_units <= set(england_unit)


# --------------------------------------------------------------------------------------------------
# options scored with placegeo.compare against pandas sums over the lookups

CM = {"E06000049", "E06000050", "E06000006", "E06000007", "E08000011", "E08000012", "E08000013", "E08000014",
      "E08000015"}
GREATER_MANCHESTER = {f"E080000{n:02d}" for n in range(1, 11)}
HNY = {"E06000065", "E06000014", "E06000011", "E06000010", "E06000012", "E06000013"}


def _expected(lookups: pd.DataFrame, places: dict[str, str], column: str) -> dict:
    """The scorecard by hand: population of each unit in each place (places = LAD24CD -> place code)."""
    inside = lookups[lookups.LAD24CD.isin(places)].assign(place=lambda d: d.LAD24CD.map(places))
    matrix = inside.pivot_table(index=column, columns="place", values="POP2021", aggfunc="sum", fill_value=0)
    total = lookups.groupby(column).POP2021.sum().reindex(matrix.index)
    w_inside = matrix.sum(axis=1)
    fit = matrix.max(axis=1) / w_inside
    best = matrix.idxmax(axis=1)
    real = w_inside >= TOL * total
    split = fit[real & (fit < 1 - TOL)]
    jaccard = {}
    for place in matrix.columns:
        units = best.index[best == place]
        both = matrix.loc[units, place].sum()
        jaccard[place] = both / (matrix[place].sum() + w_inside[units].sum() - both)
    return {
        "C": float((w_inside * fit).sum() / w_inside.sum()),
        "split": {u: (matrix.loc[u] / w_inside[u])[lambda s: s >= TOL].to_dict() for u in split.index},
        "moving": {u: float(w_inside[u] * (1 - fit[u])) for u in split.index},
        "coterminous": sum(j >= 1 - TOL for j in jaccard.values()),
    }


def _option(places: dict[str, str], tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "option.yaml"
    path.write_text(yaml.safe_dump({"name": "councils", "blocks": "england/lad24",
                                    "places": [{"name": code, "blocks": [code]} for code in sorted(places)]}))
    return path


def _check(result, expected: dict) -> None:
    assert result.method == "membership"
    assert result.coterminosity["population"] == pytest.approx(expected["C"], abs=1e-12)
    assert result.coterminous_places == expected["coterminous"]
    got = {u.code: u for u in result.split_units}
    assert set(got) == set(expected["split"])
    for code, shares in expected["split"].items():
        assert got[code].parts == pytest.approx(shares, rel=1e-12)
        assert got[code].moving["population"] == pytest.approx(expected["moving"][code], rel=1e-12)


def test_cheshire_and_merseyside_nine_councils(lookups):
    from placegeo.comparison import compare

    option = EXAMPLES / "cheshire-merseyside" / "councils-2024.yaml"
    layers = ["england/ctyua24", "england/ccg21", "england/sicbl24"]
    cmp = compare([option], layers, weight="population", boundary=False)
    places = {p.units[0]: p.name for p in cmp.options[0].places}
    assert set(places) == CM
    results = cmp.options[0].results
    ctyua = results["england/ctyua24"]
    assert ctyua.coterminous_places == 9 and ctyua.coterminosity["population"] == 1.0 and not ctyua.split_units
    _check(ctyua, _expected(lookups, places, "CTYUA24CD"))
    for layer_id in ("england/ccg21", "england/sicbl24"):
        res = results[layer_id]
        assert res.coterminous_places == 7 and len(res.split_units) == 1
        cheshire = res.split_units[0]
        assert cheshire.parts == pytest.approx({"Cheshire East": 0.53, "Cheshire West and Chester": 0.47}, abs=0.01)
        _check(res, _expected(lookups, places, UNIT_COLUMNS[layer_id]))


@pytest.mark.parametrize(("councils", "coterminous"), [(HNY, {"england/ctyua24": 6}),
                                                       (GREATER_MANCHESTER, {"england/ctyua24": 10,
                                                                             "england/ccg21": 10,
                                                                             "england/sicbl24": 10})])
def test_two_more_icbs_one_place_per_council(councils, coterminous, lookups, tmp_path):
    """Humber and North Yorkshire (six councils: no Hull / East Riding split) and Greater Manchester (ten
    boroughs: Tameside and Glossop CCG is whole inside Tameside, Glossop lying outside the footprint)."""
    from placegeo.comparison import compare

    places = {code: code for code in councils}
    layers = ["england/ctyua24", "england/ccg21", "england/sicbl24"]
    cmp = compare([_option(places, tmp_path)], layers, weight="population", boundary=False)
    for layer_id in layers:
        res = cmp.options[0].results[layer_id]
        _check(res, _expected(lookups, places, UNIT_COLUMNS[layer_id]))
        assert not {u.code for u in res.split_units} & {"E06000010", "E06000011"}
        if layer_id in coterminous:
            assert res.coterminous_places == coterminous[layer_id]


def test_the_humber_example_has_no_false_hull_east_riding_split():
    from placegeo.comparison import compare

    cmp = compare([EXAMPLES / "humber-north-yorkshire" / "councils-2024.yaml"], ["england/ctyua24"],
                  weight="population", boundary=False)
    res = cmp.options[0].results["england/ctyua24"]
    assert res.coterminous_places == 6 and not res.split_units and not res.outside_units
    assert res.coterminosity["population"] == 1.0


def test_dissolved_layers_are_cached_and_a_corrupt_cache_is_rebuilt(tmp_path, monkeypatch):
    import placegeo.layers as layers

    monkeypatch.setenv("PLACEGEO_CACHE_DIR", str(tmp_path))
    layers._read_bundled.cache_clear()
    first = layers.bundled_layer("england/icb24")
    cached = list(tmp_path.glob("england-icb24-*.parquet"))
    assert len(cached) == 1
    cached[0].write_bytes(b"not parquet")
    layers._read_bundled.cache_clear()
    again = layers.bundled_layer("england/icb24")
    assert again.frame.POP2021.tolist() == first.frame.POP2021.tolist()
    assert np.allclose(again.frame.area, first.frame.area, rtol=1e-12)
    monkeypatch.setenv("PLACEGEO_CACHE_DIR", str(tmp_path / "file"))
    (tmp_path / "file").write_text("a file where the cache folder should be")
    layers._read_bundled.cache_clear()
    assert len(layers.bundled_layer("england/icb24")) == 42  # unwritable cache: dissolved, no error
    layers._read_bundled.cache_clear()


def test_a_members_file_layer_is_dissolved_like_a_blocks_layer(tmp_path):
    """How england/pcn arrives: a CSV of LSOA21CD -> unit code and name, no file of its own. Grouping the
    Cheshire and Merseyside LSOAs by their council must give england/lad24's councils exactly."""
    from placegeo.catalogue import Entry
    from placegeo.layers import bundled_layer, dissolved_units

    atoms = bundled_layer(ATOMS).frame
    cm = atoms[atoms.LAD24CD.isin(CM)]
    members = tmp_path / "lsoa21_units.csv"
    cm[["LSOA21CD", "LAD24CD", "LAD24NM"]].rename(columns={"LAD24CD": "PCN_CODE", "LAD24NM": "PCN_NAME"}).to_csv(
        members, index=False)
    entry = Entry(id="test/units", title="test", region="england", file=None, layer="units", code="PCN_CODE",
                  name="PCN_NAME", kind="pcn", geometry="polygon", vintage="", publisher="", licence="", features=9,
                  population="POP2021", extra={"members_file": str(members), "members_layer": ATOMS})
    assert entry.dissolved and entry.exactness == "published"
    units = dissolved_units(entry).set_index("PCN_CODE")
    councils = bundled_layer("england/lad24").frame.set_index("LAD24CD").loc[sorted(CM)]
    assert list(units.index) == sorted(CM)
    assert (units.POP2021 == councils.POP2021).all() and (units.LSOA_COUNT == councils.LSOA_COUNT).all()
    assert (units.PCN_NAME == councils.LAD24NM).all()
    assert np.allclose(units.area, councils.area, rtol=1e-12)
    assert units.geometry.symmetric_difference(councils.geometry).area.max() < 1e-3


# --------------------------------------------------------------------------------------------------
# Cheshire and Merseyside in every view: the terminal, the JSON, the report and the map say the same


CM_OPTION = EXAMPLES / "cheshire-merseyside" / "councils-2024.yaml"
CM_LAYERS = ["england/ctyua24", "england/ccg21", "england/sicbl24"]


@pytest.fixture(scope="module")
def cm_expected(lookups) -> dict[str, dict]:
    """Per layer, from the lookups: coterminous places, the split units and their people who move."""
    from placegeo.options import load_option

    places = {p.blocks[0]: p.name for p in load_option(CM_OPTION).places}
    return {layer_id: _expected(lookups, places, UNIT_COLUMNS[layer_id]) for layer_id in CM_LAYERS}


def test_cheshire_and_merseyside_in_the_terminal_and_json(cm_expected):
    import json

    from typer.testing import CliRunner

    from placegeo.cli import app

    runner = CliRunner()
    args = ["compare", str(CM_OPTION), "--against", ",".join(CM_LAYERS)]
    text = runner.invoke(app, args, env={"COLUMNS": "240"})
    assert text.exit_code == 0, text.output
    assert text.output.count("coterminous 9/9") == 1 and text.output.count("coterminous 7/9") == 2
    assert "NHS Cheshire CCG: 53 % Cheshire East / 47 % Cheshire West and Chester, 357,200 people move" in text.output
    doc = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    layers = doc["options"][0]["layers"]
    for layer_id, want in cm_expected.items():
        got = layers[layer_id]
        assert got["method"] == "membership"
        assert got["coterminosity"]["population"] == pytest.approx(want["C"], abs=1e-12)
        assert got["coterminous_places"] == want["coterminous"]
        assert {u["code"]: u["moving"]["population"] for u in got["split_units"]} == pytest.approx(want["moving"])


def test_cheshire_and_merseyside_in_the_report(cm_expected, tmp_path):
    import json

    from placegeo.tasks import report

    report([CM_OPTION], CM_LAYERS, tmp_path / "r", formats=["md", "json", "html"])
    doc = json.loads((tmp_path / "r" / "comparison.json").read_text())
    md = (tmp_path / "r" / "report.md").read_text()
    html = (tmp_path / "r" / "report.html").read_text()
    for layer_id, want in cm_expected.items():
        got = doc["options"][0]["layers"][layer_id]
        assert got["coterminous_places"] == want["coterminous"]
        assert {u["code"] for u in got["split_units"]} == set(want["split"])
        assert f"| {layer_id} | Coterminous places | {want['coterminous']} of 9 |" in md
        moved = round(sum(want["moving"].values()))
        assert f"| {layer_id} | People moved (in split units, outside the best-fit place) | {moved:,} |" in md
        assert f"{moved:,}" in html


def test_cheshire_and_merseyside_on_the_map(cm_expected):
    from placegeo.tasks import map_options

    for layer_id, want in cm_expected.items():
        fig = map_options([CM_OPTION], highlight_splits=layer_id, labels=False)
        hatched = {p.get_gid().removeprefix("split-") for ax in fig.axes for p in ax.patches
                   if (p.get_gid() or "").startswith("split-")}
        assert hatched == set(want["split"]), layer_id


def _console_blocks(page: Path) -> list[tuple[str, str]]:
    """(command, shown output) of each ```console block of a docs page that shows its whole output."""
    import re

    blocks = []
    for body in re.findall(r"```console\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S):
        lines = body.rstrip("\n").split("\n")
        if lines[0].startswith("$ placegeo overlap"):  # the complete outputs (others are abridged with ...)
            blocks.append((lines[0][2:], "\n".join(lines[1:])))
    return blocks


@pytest.mark.parametrize(("command", "shown"), _console_blocks(ROOT / "docs" / "england.md"))
def test_england_page_shows_what_the_commands_print(command, shown, tmp_path):
    """docs/england.md's overlap examples are real output: run each through the shell and compare."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, cwd=ROOT,
                         env=env, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.rstrip("\n") == shown


@pytest.mark.parametrize("layer_id", ["england/ctyua24", "england/ccg21", "england/pcn"])
def test_boundary_match_shortcuts_give_the_plain_band_formula(layer_id):
    """The boundary match of the C&M councils, with its shortcuts (internal lines from shared edges, edges
    on two units' shared edge counted whole, bands clipped and read from the disk store), equals the plain
    formula computed pair by pair over whole lines and whole bands: sum over units of the length inside
    each unit's band minus half the length on its boundary, and the internal lines as the difference of
    each place's boundary with a 0.5 m band around the footprint's outline (1e-9 relative)."""
    import numpy as np
    import shapely

    from placegeo.api import compare
    from placegeo.boundaries import boundary_rings
    from placegeo.defaults import SNAP
    from placegeo.layers import bundled_layer
    from placegeo.options import load_option

    path = EXAMPLES / "cheshire-merseyside" / "councils-2024.yaml"
    option = load_option(path)
    places = np.asarray(option.frame.geometry.values, dtype=object)
    outline = shapely.buffer(shapely.boundary(shapely.union_all(places)), 0.5, quad_segs=1)
    internal = shapely.difference(shapely.boundary(places), outline)
    units = np.asarray(bundled_layer(layer_id).frame.geometry.values, dtype=object)
    units = units[shapely.intersects(units, shapely.union_all(places))]
    rings = boundary_rings(units, SNAP)
    li, ri = shapely.STRtree(rings).query(internal)
    pieces = shapely.intersection(internal[li], rings[ri])
    on_edge = shapely.length(shapely.intersection(pieces, shapely.boundary(units[ri])))
    matched = np.bincount(li, weights=shapely.length(pieces) - 0.5 * on_edge, minlength=len(places))
    total = shapely.length(internal)
    expected = float(np.minimum(matched, total).sum() / total.sum())

    result = compare([path], [layer_id]).options[0].results[layer_id]
    assert result.boundary_match == pytest.approx(expected, rel=1e-9)
    by_place = {p.name: p.boundary_match for p in result.places}
    for name, got, want, length in zip(option.frame["place"], matched, total, total, strict=True):
        if length > 0:
            assert by_place[name] == pytest.approx(min(got, want) / want, rel=1e-9)


def test_unit_bands_are_stored_on_disk_bit_for_bit_and_a_corrupt_file_is_rebuilt(tmp_path):
    """The bands read back from the store are the computed bands (WKB keeps every coordinate); a unit
    shared by two layers (a unitary is a district and a county) has one key; a corrupt file is rebuilt."""
    import numpy as np
    import shapely

    from placegeo.boundaries import boundary_rings, stored_rings, unit_keys
    from placegeo.layers import bundled_layer

    lad = bundled_layer("england/lad24").frame
    county = bundled_layer("england/ctyua24").frame
    units = np.asarray(lad.geometry.values, dtype=object)[lad["LAD24CD"].isin(["E06000049", "E08000012"])
                                                          .to_numpy()]
    keys = unit_keys(units)
    same = np.asarray(county.geometry.values, dtype=object)[(county["CTYUA24CD"] == "E06000049").to_numpy()]
    assert unit_keys(same)[0] == keys[0]
    built = stored_rings(units, keys, 25.0, tmp_path)
    files = list(tmp_path.rglob("*.wkb"))
    assert len(files) == 2
    files[0].write_bytes(b"not a ring")
    read = stored_rings(units, keys, 25.0, tmp_path)
    expected = boundary_rings(units, 25.0)
    assert all(shapely.equals_exact(a, b, 0) and shapely.equals_exact(b, c, 0)
               for a, b, c in zip(built, read, expected, strict=True))
    assert shapely.to_wkb(read[1]) == shapely.to_wkb(expected[1])


@pytest.mark.parametrize("blocks,study", [("england/lad24", "england/icb24"), ("england/pcn", "england/sicbl24")])
def test_study_area_by_atom_counts_equals_the_count_with_sets(blocks, study):
    """The study area's blocks counted over the atom layer's rows equal the count with sets of LSOA codes."""
    import random

    from placegeo import membership

    table, areas = unit_members(blocks), unit_members(study)
    rng = random.Random(13)
    for size in (0, 1, 3, 9, 40):
        assigned = set(rng.sample(sorted(table), size))
        mine = set().union(*(table[code] for code in assigned)) if assigned else set()
        held = {code: len(atoms & mine) for code, atoms in areas.items()}
        chosen = [code for code, n in held.items() if n and 2 * n >= len(areas[code])]
        if not chosen and mine:
            chosen = [max(held, key=held.__getitem__)]
        area = set().union(*(areas[code] for code in chosen)) if chosen else set()
        expected = {code for code, atoms in table.items() if atoms & area}
        assert membership._blocks_in_study_area_by_owners(blocks, assigned, study) == expected


def test_england_practices_are_the_october_2025_membership_with_2024_locations(shared_sources, tmp_path):
    """england/practices holds every practice of the Oct-2025 membership that the 2024 geocoded file locates
    (the rest left out and named in the catalogue notes), with its May-2022 list size (null when missing), and
    the build script rebuilds it byte for byte."""
    import importlib.util

    from placegeo.layers import load_layer

    members = pd.read_csv(shared_sources / "pcn-membership-2025-10" / "gp-reg-pat-prac-map_2025-10_England.csv")
    geo = pd.read_csv(shared_sources / "practice-pcn-geocoded-2024" / "practice_pcn_lookup_geocoded_England.csv")
    lists = pd.read_csv(shared_sources / "gp-list-size-2022-05" / "gp-reg-pat-prac-all_2022-05_England.csv")
    located = geo.dropna(subset=["PRAC_LAT", "PRAC_LNG"])["PRAC_CODE"]
    expected = members[members["PRACTICE_CODE"].isin(located)]
    unlocated = sorted(members.loc[~members["PRACTICE_CODE"].isin(located), "PRACTICE_CODE"])
    layer = load_layer("england/practices")
    frame = layer.frame
    assert sorted(frame["PRACTICE_CODE"]) == sorted(expected["PRACTICE_CODE"])
    assert len(frame) + len(unlocated) == len(members)
    sizes = expected["PRACTICE_CODE"].map(lists.set_index("CODE")["NUMBER_OF_PATIENTS"])
    assert frame["LIST_SIZE_2022_05"].sum() == sizes.sum()
    assert int(frame["LIST_SIZE_2022_05"].isna().sum()) == int(sizes.isna().sum())
    notes = layer.entry.notes
    assert f"{len(unlocated)} practices of the Oct-2025 membership have no location" in notes
    assert all(code in notes for code in unlocated)
    assert layer.entry.population == "LIST_SIZE_2022_05" and layer.entry.kind == "practice"
    assert str(frame.crs.to_epsg()) == "27700"
    first = frame.set_index("PRACTICE_CODE").geometry
    row = geo.set_index("PRAC_CODE").loc[first.index[0]]
    import pyproj

    x, y = pyproj.Transformer.from_crs(4326, 27700, always_xy=True).transform(row["PRAC_LNG"], row["PRAC_LAT"])
    assert (first.iloc[0].x, first.iloc[0].y) == pytest.approx((x, y), abs=1e-6)

    spec = importlib.util.spec_from_file_location("build_pcn_england", ROOT / "scripts" / "build_pcn_england.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.build_practices(shared_sources, tmp_path)
    bundled = ROOT / "data" / "boundaries"
    points = "england/practices.parquet"
    assert (tmp_path / points).read_bytes() == (bundled / points).read_bytes()
    fragment = "catalogue.d/practices-england.yaml"
    assert (tmp_path / fragment).read_text(encoding="utf-8") == (bundled / fragment).read_text(encoding="utf-8")


def test_stored_unit_groupings_equal_fresh_ones_and_a_corrupt_file_is_regrouped(tmp_path, monkeypatch):
    """The .npz groupings kept beside the dissolved layers give the same members as grouping afresh."""
    import placegeo.membership as membership

    monkeypatch.setenv("PLACEGEO_CACHE_DIR", str(tmp_path))
    fresh = {layer_id: membership._grouped(layer_id) for layer_id in ("england/ccg21", "england/pcn")}
    for layer_id, (codes, unit, atoms, rows) in fresh.items():
        membership._groups.cache_clear()
        membership._groups(layer_id)  # groups and stores
        stored = list(tmp_path.glob(f"{layer_id.replace('/', '-')}-groups-*.npz"))
        assert len(stored) == 1
        membership._groups.cache_clear()
        again = membership._groups(layer_id)  # read back
        assert again[0] == codes and np.array_equal(again[1], unit) and list(again[2]) == list(atoms)
        assert (rows is None and again[3] is None) or np.array_equal(again[3], rows)
        stored[0].write_bytes(b"not numpy")
        membership._groups.cache_clear()
        assert membership._groups(layer_id)[0] == codes  # a corrupt file: grouped again, no error
    membership._groups.cache_clear()
