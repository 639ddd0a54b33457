"""The build scripts (scripts/build_*.py) use placegeo's own functions, and those functions do what the scripts
relied on.

Issue 14 point 7: the scripts once re-implemented reprojection, geometry repair, coverage checks and atomic writes.
The AST test below fails when a script again calls the primitives those library functions wrap, or defines a
function with the name of one; the other tests check the library functions with numbers worked out by hand or
with pandas, and against the bundled files the scripts wrote with them.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "scripts").glob("build_*.py"))
BOUNDARIES = ROOT / "data" / "boundaries"

# attribute calls a build script must leave to the library: reprojection (layers.to_bng), repair
# (layers.repair_polygons), coverage checks (checks.coverage.coverage_validity) and writes (placegeo.io)
PRIMITIVES = {
    "to_crs": "placegeo.layers.to_bng",
    "make_valid": "placegeo.layers.repair_polygons",
    "coverage_is_valid": "placegeo.checks.coverage.coverage_validity",
    "coverage_invalid_edges": "placegeo.checks.coverage.coverage_validity",
    "write_dataframe": "placegeo.io.write_geopackage",
    "to_file": "placegeo.io.write_geopackage",
    "to_parquet": "placegeo.io.write_geoparquet",
    "to_csv": "placegeo.io.write_table",
    "write_text": "placegeo.io.write_text",  # Path.write_text; the bare name is the library's
    "replace": "placegeo.io.atomic_path",  # os.replace
    "rename": "placegeo.io.atomic_path",  # os.rename (DataFrame.rename is allowed below)
    "mkstemp": "placegeo.io.atomic_path",
    "dump": "placegeo.catalogue.catalogue_yaml",  # yaml.dump with a home-made Dumper
}
MODULE_ONLY = {"replace": {"os"}, "rename": {"os"}, "dump": {"yaml"}}  # method names also used harmlessly


def library_names() -> set[str]:
    """Public functions of the engine modules the build scripts draw on."""
    import placegeo.catalogue
    import placegeo.checks.coverage
    import placegeo.io
    import placegeo.layers

    modules = (placegeo.layers, placegeo.io, placegeo.catalogue, placegeo.checks.coverage)
    return {name for module in modules for name, obj in vars(module).items()
            if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == module.__name__}


def duplicates(source: str, names: set[str]) -> list[str]:
    """What in ``source`` duplicates the library: calls of the wrapped primitives, functions named like library
    functions, YAML dumper classes."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name in names:
            found.append(f"line {node.lineno}: defines {node.name}(), which placegeo already has")
        if isinstance(node, ast.ClassDef) and any("Dumper" in ast.unparse(base) for base in node.bases):
            found.append(f"line {node.lineno}: a YAML dumper class (use placegeo.catalogue.catalogue_yaml)")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PRIMITIVES:
            owner = ast.unparse(node.func.value)
            if node.func.attr in MODULE_ONLY and owner not in MODULE_ONLY[node.func.attr]:
                continue
            found.append(f"line {node.lineno}: {owner}.{node.func.attr}() (use {PRIMITIVES[node.func.attr]})")
    return found


def test_there_are_build_scripts():
    assert {p.name for p in SCRIPTS} >= {"build_boundaries.py", "build_england.py", "build_pcn.py",
                                         "build_pcn_england.py"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_build_script_uses_the_library(script):
    source = script.read_text(encoding="utf-8")
    assert duplicates(source, library_names()) == []
    imported = {node.module for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("placegeo")}
    assert imported, f"{script.name} imports nothing from placegeo"


def test_the_check_catches_the_old_helpers():
    """The helpers build_boundaries.py had before issue 14, each caught (so the test above is not vacuous)."""
    old = '''
import os
import yaml

class _Dumper(yaml.SafeDumper):
    pass

def to_bng(gdf):
    return gdf.to_crs("EPSG:27700")

def repair_and_promote(geoms):
    return shapely.make_valid(geoms)

def coverage_check(geoms):
    return shapely.coverage_is_valid(geoms)

def write_gpkg(gdf, path, layer):
    pyogrio.write_dataframe(gdf, tmp, layer=layer)
    os.replace(tmp, path)

def write_text(text, path):
    tmp.write_text(text, encoding="utf-8")

frame = frame.rename(columns={"a": "b"})
'''
    found = duplicates(old, library_names())
    assert len(found) == 9, found
    assert not any("rename" in line for line in found)
    assert {"to_bng", "write_text", "drop_specks", "repair_polygons", "coverage_validity", "write_geopackage",
            "catalogue_yaml", "merge_licences", "dissolve_blocks"} <= library_names()


# --------------------------------------------------------------------------------------------------
# the library functions, with hand-worked numbers


def test_repair_polygons_keeps_the_polygon_parts():
    import shapely

    from placegeo.layers import as_multipolygons, repair_polygons

    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])  # two triangles of 1 m² meeting at (1, 1)
    square = shapely.box(0, 0, 3, 3)
    geoms, invalid = repair_polygons([bowtie, square])
    assert invalid.tolist() == [True, False]
    assert geoms[0].area == pytest.approx(2.0) and geoms[0].is_valid
    assert geoms[1] is square  # valid geometries are left as they are
    multi = as_multipolygons(geoms)
    assert {g.geom_type for g in multi} == {"MultiPolygon"}
    assert [g.area for g in multi] == pytest.approx([2.0, 9.0])


def test_drop_specks_never_drops_a_whole_feature():
    import shapely

    from placegeo.layers import drop_specks

    big_and_speck = shapely.MultiPolygon([shapely.box(0, 0, 10, 10), shapely.box(20, 20, 20.5, 20.5)])
    speck_only = shapely.MultiPolygon([shapely.box(0, 0, 0.5, 0.5)])
    geoms, dropped = drop_specks([big_and_speck, speck_only], 1.0)
    assert dropped == 1
    assert [g.area for g in geoms] == pytest.approx([100.0, 0.25])


def test_coverage_validity_measures_the_edges_that_do_not_match():
    import shapely

    from placegeo.checks.coverage import coverage_validity

    assert coverage_validity([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]).valid
    # [0,2]x[0,1] and [1,3]x[0,1] overlap: every edge but each outer end (1 m) is invalid: 2 x (2 + 1 + 2) m
    result = coverage_validity([shapely.box(0, 0, 2, 1), shapely.box(1, 0, 3, 1)])
    assert (result.valid, result.features_with_invalid_edges, result.invalid_edge_length_m) == (False, 2, 10.0)
    assert "2 features have invalid edges, 0.0 km" in result.describe()


def test_to_bng_checks_the_crs_before_reprojecting():
    import geopandas as gpd
    import shapely

    from placegeo.errors import LayerError
    from placegeo.layers import to_bng

    swapped = gpd.GeoDataFrame(geometry=[shapely.Point(53.76, -2.70)], crs="EPSG:4326")  # Preston as (lat, lon)
    with pytest.raises(LayerError, match="swapped"):
        to_bng(swapped, path="practices.csv")
    preston = to_bng(gpd.GeoDataFrame(geometry=[shapely.Point(-2.70, 53.76)], crs="EPSG:4326"))
    x, y = preston.geometry.iloc[0].x, preston.geometry.iloc[0].y
    assert preston.crs.to_epsg() == 27700
    assert 350_000 < x < 360_000 and 425_000 < y < 435_000  # Preston is near grid square SD 53 29


def test_write_helpers_refuse_to_overwrite_without_force(tmp_path):
    import pandas as pd

    from placegeo.errors import OutputError
    from placegeo.io import write_table, write_text

    target = write_text(tmp_path / "sub" / "a.txt", "one\n")
    with pytest.raises(OutputError, match="already exists"):
        write_text(target, "two\n")
    write_text(target, "two\n", force=True)
    assert target.read_text() == "two\n"
    write_table(pd.DataFrame({"A": [1, 2]}), tmp_path / "t.csv", lineterminator="\n")
    assert (tmp_path / "t.csv").read_text() == "A\n1\n2\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


# --------------------------------------------------------------------------------------------------
# the library functions against the bundled files the scripts wrote with them


def test_dissolve_blocks_rebuilds_the_bundled_districts():
    """lsc/lad21 is dissolve_blocks over lsoa11 by LAD21CD: same polygons, POP2020 equal to a pandas sum."""
    import geopandas as gpd
    import shapely

    from placegeo.layers import as_multipolygons, dissolve_blocks

    lsoa11 = gpd.read_file(BOUNDARIES / "lsc" / "lsoa11.gpkg")
    bundled = gpd.read_file(BOUNDARIES / "lsc" / "lad21.gpkg")
    units = dissolve_blocks(lsoa11.geometry.values, lsoa11["LAD21CD"], lsoa11["LAD21NM"], code="LAD21CD",
                            name="LAD21NM", populations=lsoa11["POP2020"], population="POP2020")
    sums = lsoa11.groupby("LAD21CD")["POP2020"].sum()
    assert units["LAD21CD"].tolist() == sorted(sums.index) == bundled["LAD21CD"].tolist()
    assert units["POP2020"].tolist() == sums.tolist() == bundled["POP2020"].tolist()
    assert units["LSOA_COUNT"].tolist() == lsoa11["LAD21CD"].value_counts().sort_index().tolist()
    assert shapely.equals_exact(as_multipolygons(units.geometry.values), bundled.geometry.values, tolerance=0).all()


def test_catalogue_text_round_trips_through_the_library():
    """catalogue.yaml is entry_record(Entry) dumped with catalogue_yaml: reading it and writing it back gives the
    same text, key order included."""
    import yaml

    from placegeo.catalogue import _entry, catalogue_yaml, entry_record

    text = (BOUNDARIES / "catalogue.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    assert header + catalogue_yaml(raw) == text
    for item in raw["layers"]:
        assert list(entry_record(_entry(item)).items()) == list(item.items()), item["id"]


def test_catalogue_notes_agree_with_coverage_validity_on_the_bundled_files():
    """The coverage sentence the build wrote for lsc/lad21 (a valid coverage) and published/lad21 (37 features
    with 7.3 km of edges that do not match) is what coverage_validity says of the bundled file now."""
    import geopandas as gpd

    from placegeo.catalogue import get_entry
    from placegeo.checks.coverage import coverage_validity

    for layer_id, file in (("lad21", "lsc/lad21.gpkg"), ("published/lad21", "published/lad21.gpkg")):
        frame = gpd.read_file(BOUNDARIES / file)
        assert coverage_validity(frame.geometry.values).describe() in get_entry(layer_id).notes, layer_id
