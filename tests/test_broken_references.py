"""A user's reference layer whose units overlap or leave gaps beyond edge noise is refused with the finding
`validate` gives (codes, names, area, where); --allow-overlaps takes it with a warning. Data outside Great
Britain are refused whatever CRS they declare."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from placegeo.api import compare
from placegeo.errors import LayerError, UsageError
from placegeo.validation import validate_layer

ROOT = Path(__file__).resolve().parent.parent
LAD21 = ROOT / "data" / "boundaries" / "lsc" / "lad21.gpkg"
FOUR_PLACES = ROOT / "data" / "options" / "lsc-four-places-2022.yaml"
WEST_YORKSHIRE = {"E08000032": "Bradford", "E08000033": "Calderdale", "E08000034": "Kirklees",
                  "E08000035": "Leeds", "E08000036": "Wakefield"}


def moved(frame: gpd.GeoDataFrame, column: str, code: str, dx: float, path: Path) -> Path:
    """A copy of ``frame`` with unit ``code`` moved ``dx`` metres east, written to ``path``."""
    frame = frame.copy()
    at = frame.index[frame[column] == code][0]
    frame.loc[at, "geometry"] = shapely.affinity.translate(frame.geometry[at], dx, 0)
    frame.to_file(path, engine="pyogrio")
    return path


def validate_areas(path: Path) -> dict[tuple[str, str], float]:
    """(code, other) -> overlap area in km² as `placegeo validate` reports it."""
    report = validate_layer(str(path))
    return {(f.code, f.figures["other"]): f.figures["area_m2"] / 1e6 for f in report.findings
            if f.check == "coverage-overlap"}


@pytest.fixture(scope="module")
def west_yorkshire(tmp_path_factory) -> tuple[gpd.GeoDataFrame, Path]:
    """England/lad24's five West Yorkshire districts as a user's file, and an option of them (one place each)."""
    from placegeo.layers import bundled_layer

    lad = bundled_layer("england/lad24").frame
    frame = lad[lad.LAD24CD.isin(WEST_YORKSHIRE)].reset_index(drop=True)[["LAD24CD", "LAD24NM", "geometry"]]
    places = "".join(f"  - name: {name}\n    blocks: [{code}]\n" for code, name in WEST_YORKSHIRE.items())
    option = tmp_path_factory.mktemp("wy") / "west-yorkshire.yaml"
    option.write_text(f"name: West Yorkshire districts\nblocks: england/lad24\nplaces:\n{places}", encoding="utf-8")
    return frame, option


def test_moved_blackpool_is_refused_with_validates_finding(tmp_path):
    layer = moved(gpd.read_file(LAD21), "LAD21CD", "E06000009", 6000, tmp_path / "lad21-moved.gpkg")
    areas = validate_areas(layer)
    with pytest.raises(UsageError) as refused:
        compare([FOUR_PLACES], [str(layer)])
    message = refused.value.message
    assert "E06000009 (Blackpool) overlaps E07000119 (Fylde)" in message
    assert "E06000009 (Blackpool) overlaps E07000128 (Wyre)" in message
    assert areas["E06000009", "E07000119"] == pytest.approx(30.58, abs=0.005)  # the figure
    assert f"by {areas['E06000009', 'E07000119']:,.3f} km²" in message
    assert f"by {areas['E06000009', 'E07000128']:,.3f} km²" in message
    assert re.search(r"at [\d,]+ E [\d,]+ N \(EPSG:27700; 53\.\d+° N 2\.\d+° W\)", message)


def test_a_district_moved_in_england_is_refused_and_allowed_on_request(west_yorkshire, tmp_path):
    frame, option = west_yorkshire
    layer = moved(frame, "LAD24CD", "E08000033", 6000, tmp_path / "wy-moved.gpkg")  # Calderdale, 6 km east
    areas = validate_areas(layer)
    assert areas, "moving Calderdale 6 km east makes it overlap its neighbours"
    with pytest.raises(UsageError) as refused:
        compare([option], [str(layer)], boundary=False)
    message = refused.value.message
    (code, other), area = max(areas.items(), key=lambda kv: kv[1])
    assert f"{code} ({WEST_YORKSHIRE[code]}) overlaps {other} ({WEST_YORKSHIRE[other]}) by {area:,.3f} km²" in message
    warnings: list[str] = []
    comparison = compare([option], [str(layer)], boundary=False, allow_overlaps=True, warn=warnings.append)
    assert any("--allow-overlaps" in w and "no longer sum to one" in w for w in warnings)
    assert comparison.options[0].results["wy-moved"].coterminosity["area"] < 1


def test_a_district_shifted_within_snap_is_edge_noise_not_refused(west_yorkshire, tmp_path):
    frame, option = west_yorkshire
    layer = moved(frame, "LAD24CD", "E08000033", 20, tmp_path / "wy-20m.gpkg")
    assert validate_areas(layer), "validate still lists the 20 m strips"
    comparison = compare([option], [str(layer)], boundary=False)  # strips 20 m wide: within --snap 50 m
    assert comparison.options[0].results["wy-20m"].coterminosity["area"] > 0.99
    with pytest.raises(UsageError, match="wider than 10 m"):
        compare([option], [str(layer)], boundary=False, snap=10)


@pytest.mark.parametrize(("epsg", "centre"), [(3794, (46.05, 14.5)), (28356, (-33.9, 151.2))])
def test_data_outside_great_britain_are_refused_whatever_crs_they_declare(epsg, centre, tmp_path):
    from placegeo.layers import load_layer

    frame = gpd.read_file(LAD21)
    middle = frame.geometry.union_all().centroid
    target = gpd.GeoSeries([shapely.Point(centre[1], centre[0])], crs="EPSG:4326").to_crs(epsg)[0]
    frame["geometry"] = frame.geometry.translate(target.x - middle.x, target.y - middle.y)
    path = tmp_path / "elsewhere.gpkg"
    frame.set_crs(epsg, allow_override=True).to_crs("EPSG:4326").to_file(path, engine="pyogrio")
    with pytest.raises(LayerError, match="outside Great Britain") as refused:
        load_layer(path)
    lat = re.search(r"centre at ([\d.]+)° ([NS])", refused.value.message)
    assert float(lat.group(1)) == pytest.approx(abs(centre[0]), abs=0.5)
