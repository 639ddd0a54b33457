"""Fuzzing option parsing and layer loading: nothing but placegeo's own errors may escape."""

from __future__ import annotations

import contextlib

import geopandas as gpd
import shapely
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placegeo.errors import PlacegeoError
from placegeo.layers import layer_from_frame
from placegeo.options import load_option

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12),
                    st.sampled_from(["Wyre", "Fylde", "E06000009", "lad21", "ccg21", "places", "blocks"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["name", "blocks", "places", "subunits", "file", "description", "x"]), inner, max_size=4),
    max_leaves=20)
options = st.fixed_dictionaries({}, optional={"name": values, "blocks": values, "places": values,
                                              "description": values, "file": values})


@FUZZ
@given(raw=options)
def test_random_option_structures_raise_only_placegeo_errors(raw, tmp_path):
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with contextlib.suppress(PlacegeoError):
        load_option(path)


@FUZZ
@given(text=st.text(max_size=200))
def test_random_text_as_an_option_file_raises_only_placegeo_errors(text, tmp_path):
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    with contextlib.suppress(PlacegeoError):
        load_option(path)


coords = st.floats(min_value=-1e6, max_value=1.5e6, allow_nan=False, allow_infinity=False)
rings = st.lists(st.tuples(coords, coords), min_size=0, max_size=6)
geometries = st.one_of(
    st.none(),
    rings.map(lambda pts: shapely.Polygon(pts) if len(pts) >= 3 else shapely.Polygon()),
    st.tuples(coords, coords).map(shapely.Point),
    rings.map(lambda pts: shapely.LineString(pts) if len(pts) >= 2 else shapely.LineString()),
)
codes = st.one_of(st.none(), st.text(max_size=4), st.sampled_from(["E06000009", "E06000008"]))


@FUZZ
@given(rows=st.lists(st.tuples(codes, geometries), min_size=0, max_size=5),
       crs=st.sampled_from([None, "EPSG:27700", "EPSG:4326", "EPSG:3857"]), repair=st.booleans())
def test_random_geometries_and_codes_raise_only_placegeo_errors(rows, crs, repair):
    frame = gpd.GeoDataFrame({"CODE": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs=crs)
    try:
        layer = layer_from_frame(frame, path="fuzz.gpkg", repair=repair)
    except PlacegeoError:
        return
    assert layer.frame.crs.to_epsg() == 27700
    assert layer.frame.geometry.is_valid.all()
