"""Loading any boundary file: formats, CRS, columns, and the faults load_layer refuses."""

from __future__ import annotations

import zipfile

import pytest
import shapely

from placegeo.errors import LayerError
from placegeo.layers import load_layer


@pytest.fixture(scope="module")
def districts():
    return load_layer("lad21").frame[["LAD21CD", "LAD21NM", "POP2020", "geometry"]]


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".fgb", ".parquet"])
def test_every_format_loads_with_the_same_areas(tmp_path, districts, suffix):
    path = tmp_path / f"districts{suffix}"
    if suffix == ".parquet":
        districts.to_parquet(path)
    else:
        districts.to_crs(4326 if suffix == ".geojson" else 27700).to_file(path)
    layer = load_layer(path)
    assert (layer.code, layer.name, layer.population) == ("LAD21CD", "LAD21NM", "POP2020")
    assert layer.frame.crs.to_epsg() == 27700
    assert layer.frame.area.sum() == pytest.approx(districts.area.sum(), rel=1e-6)


def test_a_zipped_shapefile_loads(tmp_path, districts):
    districts.to_file(tmp_path / "lad.shp")
    archive = tmp_path / "lad.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("lad.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    assert len(load_layer(archive)) == 21


def test_a_shapefile_without_prj_is_refused_unless_given_a_crs(tmp_path, districts):
    districts.to_file(tmp_path / "lad.shp")
    (tmp_path / "lad.prj").unlink()
    with pytest.raises(LayerError, match=r"lad.shp: has no CRS"):
        load_layer(tmp_path / "lad.shp")
    assert len(load_layer(tmp_path / "lad.shp", crs="EPSG:27700")) == 21


def test_degrees_labelled_as_metres_are_refused(tmp_path, districts):
    districts.to_crs(4326).set_crs(27700, allow_override=True).to_file(tmp_path / "bad.gpkg")
    with pytest.raises(LayerError, match="in metres but the coordinates look like degrees"):
        load_layer(tmp_path / "bad.gpkg")


def test_swapped_axes_are_refused(tmp_path, districts):
    swapped = districts.to_crs(4326)
    swapped["geometry"] = shapely.transform(swapped.geometry.values, lambda xy: xy[:, ::-1])
    swapped.to_file(tmp_path / "swapped.geojson")
    with pytest.raises(LayerError, match="axes are swapped"):
        load_layer(tmp_path / "swapped.geojson")


def test_invalid_geometries_are_refused_then_repaired_on_request(tmp_path, districts):
    broken = districts.copy()
    broken.loc[0, "geometry"] = shapely.Polygon([(350000, 430000), (360000, 440000), (360000, 430000),
                                                 (350000, 440000)])
    broken.to_file(tmp_path / "bowtie.gpkg")
    with pytest.raises(LayerError, match=r"1 invalid geometry .*Self-intersection.*--repair"):
        load_layer(tmp_path / "bowtie.gpkg")
    layer = load_layer(tmp_path / "bowtie.gpkg", repair=True)
    assert layer.repaired == 1
    assert layer.frame.geometry.iloc[0].area == pytest.approx(2 * 0.25 * 10000 * 10000)


def test_duplicate_codes_are_refused(tmp_path, districts):
    dupes = districts.copy()
    dupes.loc[1, "LAD21CD"] = dupes.loc[0, "LAD21CD"]
    dupes.to_file(tmp_path / "dupes.gpkg")
    with pytest.raises(LayerError, match=r"code E\d+ appears 2 times in LAD21CD"):
        load_layer(tmp_path / "dupes.gpkg")


def test_points_where_polygons_belong_are_refused(tmp_path, districts):
    points = districts.copy()
    points["geometry"] = points.representative_point()
    points.to_file(tmp_path / "points.gpkg")
    with pytest.raises(LayerError, match="holds Point geometries where polygons belong"):
        load_layer(tmp_path / "points.gpkg")


def test_an_unknown_bundled_id_suggests_the_nearest():
    with pytest.raises(LayerError, match="no bundled layer 'lad2l'.*did you mean lad21"):
        load_layer("lad2l")


def _bowtie_file(tmp_path, districts):
    broken = districts.copy()
    broken.loc[0, "geometry"] = shapely.Polygon([(350000, 430000), (360000, 440000), (360000, 430000),
                                                 (350000, 440000)])
    broken.to_file(tmp_path / "bowtie.gpkg")
    return tmp_path / "bowtie.gpkg"


def test_global_repair_flag_mends_and_says_how_many(tmp_path, districts, run_cli):
    path = _bowtie_file(tmp_path, districts)
    refused = run_cli("overlap", path, "lad21", "--format", "csv")
    assert refused.exit_code == 2 and "use --repair" in refused.stderr
    mended = run_cli("--repair", "overlap", path, "lad21", "--format", "csv")
    assert mended.exit_code == 0
    assert mended.stderr.strip() == f"placegeo: warning: {path}: repaired 1 invalid geometry with make_valid"


def test_the_repair_flag_does_not_outlive_its_run(tmp_path, districts, run_cli):
    path = _bowtie_file(tmp_path, districts)
    assert run_cli("--repair", "overlap", path, "lad21", "--format", "csv").exit_code == 0
    assert run_cli("overlap", path, "lad21", "--format", "csv").exit_code == 2


def test_fiona_engine_reads_the_same_areas_as_pyogrio(tmp_path, districts):
    pytest.importorskip("fiona", reason="the optional fiona engine is not installed (pip install 'placegeo[fiona]')")
    districts.to_file(tmp_path / "lad.gpkg")
    by_fiona = load_layer(tmp_path / "lad.gpkg", engine="fiona").frame.set_index("LAD21CD").area
    by_pyogrio = load_layer(tmp_path / "lad.gpkg", engine="pyogrio").frame.set_index("LAD21CD").area
    assert by_fiona.to_dict() == by_pyogrio.to_dict()


def test_an_unknown_engine_is_one_clear_line(run_cli):
    result = run_cli("--engine", "gdal", "layers")
    assert result.exit_code == 2
    assert result.stderr.strip() == "placegeo: error: unknown I/O engine 'gdal' (use pyogrio or fiona)"


def test_feature_areas_are_kept_on_disk_bit_for_bit(tmp_path, monkeypatch):
    """The shared bundled layer's areas come back from the cache file equal, bit for bit, to shapely's;
    a copy of the layer (which a caller may change) is measured, never cached."""
    import numpy as np
    import shapely

    from placegeo.layers import bundled_layer, feature_areas

    monkeypatch.setenv("PLACEGEO_CACHE_DIR", str(tmp_path))
    layer = bundled_layer("lsoa11")
    expected = shapely.area(np.asarray(layer.frame.geometry.values, dtype=object))
    first = feature_areas(layer)
    assert len(list(tmp_path.glob("lsoa11-areas-*.npy"))) == 1
    again = feature_areas(layer)
    assert np.array_equal(first, expected) and np.array_equal(again, expected)
    assert again.tobytes() == expected.tobytes()
    copy = bundled_layer("lsoa11", copy=True)
    copy.frame.loc[0, copy.frame.geometry.name] = shapely.box(0, 0, 10, 10)
    assert feature_areas(copy)[0] == 100.0
