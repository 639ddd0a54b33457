"""Messages name what exists: ``--crs`` and ``crs:`` do what the no-CRS hint says, and a library's warning
reaches the terminal as one placegeo line."""

from __future__ import annotations

import io
import json

import pytest

DISTRICTS = ["Blackpool", "Fylde", "Wyre", "Preston"]


@pytest.fixture
def without_prj(tmp_path):
    """Four L&SC districts as a Shapefile whose .prj is gone, and the same with it."""
    from placegeo.layers import load_layer

    frame = load_layer("lad21").frame
    frame = frame[frame.LAD21NM.isin(DISTRICTS)][["LAD21CD", "LAD21NM", "geometry"]]
    kept = tmp_path / "with-prj" / "districts.shp"
    kept.parent.mkdir()
    frame.to_file(kept)
    lost = tmp_path / "districts.shp"
    frame.to_file(lost)
    lost.with_suffix(".prj").unlink()
    return lost, kept


def test_without_crs_the_hint_names_the_flag_and_the_key(run_cli, without_prj):
    result = run_cli("overlap", without_prj[0], "lad21")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("has no CRS (a Shapefile without its .prj?) "
                                          "(pass --crs EPSG:27700, or crs: EPSG:27700 in an option file)")


@pytest.mark.parametrize("where", ["after", "before"])
def test_crs_reads_a_file_without_one_as_if_it_had_its_prj(run_cli, without_prj, where):
    lost, kept = without_prj
    args = ["overlap", lost, "lad21", "--format", "csv"]
    args = [*args, "--crs", "EPSG:27700"] if where == "after" else ["--crs", "EPSG:27700", *args]
    given = run_cli(*args)
    assert given.exit_code == 0, given.stderr
    assert given.stdout == run_cli("overlap", kept, "lad21", "--format", "csv").stdout.replace("with-prj/", "")


def test_crs_keeps_a_files_own_crs(run_cli, tmp_path):
    """--crs is for files without one: a file in degrees that says so is not relabelled as metres."""
    from placegeo.layers import load_layer

    frame = load_layer("lad21").frame
    path = tmp_path / "wgs84.gpkg"
    frame[frame.LAD21NM.isin(DISTRICTS)][["LAD21CD", "LAD21NM", "geometry"]].to_crs(4326).to_file(path)
    result = run_cli("overlap", path, "lad21", "--format", "json", "--crs", "EPSG:27700")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["left"] for r in rows if r["left"] == r["right"] and r["left_share"] > 0.999} == \
        set(frame[frame.LAD21NM.isin(DISTRICTS)].LAD21CD)


def test_crs_key_in_an_option_file(run_cli, without_prj, tmp_path):
    """``crs:`` labels the option's blocks file; the people are those of the LSOAs of the four districts."""
    from placegeo.layers import load_layer

    option = tmp_path / "option.yaml"
    option.write_text("name: Coast and Preston\nblocks: districts.shp\ncrs: EPSG:27700\nplaces:\n"
                      "  - name: Coast\n    blocks: [Blackpool, Fylde, Wyre]\n  - name: Preston\n"
                      "    blocks: [Preston]\n", encoding="utf-8")
    result = run_cli("compare", option, "--against", "lad21", "--format", "json")
    assert result.exit_code == 0, result.stderr
    places = {p["name"]: p["population"] for p in json.loads(result.stdout)["options"][0]["places"]}
    lsoa = load_layer("lsoa11").frame
    lad = load_layer("lad21").frame.set_index("LAD21NM").LAD21CD
    by_lookup = lsoa.groupby("LAD21CD").POP2020.sum()  # the ONS lookup's LSOAs of each district
    assert places["Preston"] == pytest.approx(by_lookup[lad["Preston"]])
    assert places["Coast"] == pytest.approx(sum(by_lookup[lad[n]] for n in ("Blackpool", "Fylde", "Wyre")))


def test_a_library_warning_is_one_placegeo_line(monkeypatch):
    from placegeo import cli

    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    cli._show_warning(RuntimeWarning("invalid value encountered\n  in intersection"), RuntimeWarning,
                      "/venv/lib/python3.11/site-packages/shapely/set_operations.py", 133)
    assert err.getvalue() == ("placegeo: warning: invalid value encountered in intersection "
                              "(RuntimeWarning from shapely)\n")


def test_crs_key_on_an_england_blocks_file(run_cli, tmp_path, shared_sources):
    """Cheshire's two councils from a Shapefile without its .prj, named with ``crs:``: their people are the
    Census 2021 residents of their LSOAs by the ONS LSOA -> district 2024 lookup."""
    import pandas as pd

    from placegeo.layers import load_layer

    frame = load_layer("england/lad24").frame
    cheshire = {"E06000049": "Cheshire East", "E06000050": "Cheshire West and Chester"}
    path = tmp_path / "cheshire.shp"
    frame[frame.LAD24CD.isin(list(cheshire))][["LAD24CD", "LAD24NM", "geometry"]].to_file(path)
    path.with_suffix(".prj").unlink()
    option = tmp_path / "cheshire.yaml"
    option.write_text("name: Cheshire\nblocks: cheshire.shp\ncrs: EPSG:27700\nplaces:\n"
                      + "".join(f"  - name: {n}\n    blocks: [{c}]\n" for c, n in cheshire.items()), encoding="utf-8")
    result = run_cli("compare", option, "--against", "england/ctyua24", "--format", "json")
    assert result.exit_code == 0, result.stderr
    places = {p["name"]: p["population"] for p in json.loads(result.stdout)["options"][0]["places"]}
    ward = pd.read_csv(shared_sources / "la-hierarchy-lookups/lookup_lsoa21_ward24_ltla24_EW.csv", dtype=str)
    census = pd.read_csv(shared_sources / "lsoa21-population-census2021/census21_pop_lsoa21_EW_agegroups.csv",
                         dtype={"lsoa21_code": str}).set_index("lsoa21_code").usual_residents
    lsoas = ward.drop_duplicates("lsoa21_code").set_index("lsoa21_code").ltla24_code
    for code, name in cheshire.items():
        assert places[name] == census[lsoas[lsoas == code].index].sum()
