"""Properties of the engine that hold for any option (hypothesis): shares add up, order and CRS do not
matter, and an option compared with itself is fully coterminous."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LSC_DISTRICTS = ["E06000008", "E06000009", "E07000027", "E07000031", "E07000117", "E07000118", "E07000119",
                 "E07000120", "E07000121", "E07000122", "E07000123", "E07000124", "E07000125", "E07000126",
                 "E07000127", "E07000128"]

SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def options(draw):
    """A random option: the L&SC districts dealt into 2 to 5 non-empty places."""
    k = draw(st.integers(min_value=2, max_value=5))
    labels = draw(st.lists(st.integers(0, k - 1), min_size=len(LSC_DISTRICTS), max_size=len(LSC_DISTRICTS)))
    labels[:k] = range(k)  # every place gets a district
    order = draw(st.permutations(LSC_DISTRICTS))
    places = {}
    for code, label in zip(order, labels, strict=True):
        places.setdefault(f"Place {label}", []).append(code)
    return {"name": "random", "description": "", "blocks": "lad21",
            "places": [{"name": n, "blocks": b} for n, b in places.items()]}


def _reference(layer_id: str):
    from placegeo.layers import load_layer

    layer = load_layer(layer_id)
    return layer.frame[[layer.code, layer.name, "geometry"]].copy()


@SETTINGS
@given(option=options())
def test_shares_of_a_unit_sum_to_one_within_its_footprint_part(option):
    from placegeo.comparison import compare

    result = compare([option], ["ccg21", _reference("england/ctyua21")], boundary=False)
    for res in result.options[0].results.values():
        for unit in res.units:
            for weight, shares in unit.shares.items():
                if unit.inside[weight] > 0:
                    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-9)


@SETTINGS
@given(option=options(), data=st.data())
def test_results_do_not_depend_on_order_or_crs(option, data):
    """Reversed places, shuffled units, and the reference sent through EPSG:4326 and back.

    The round trip through degrees moves vertices by fractions of a millimetre, leaving slivers of
    a few m²: figures agree to 1e-6, not to the last bit.
    """
    from placegeo.comparison import compare

    reference = _reference("ccg21")
    shuffled = reference.iloc[data.draw(st.permutations(range(len(reference))))].to_crs(4326)
    reordered = dict(option, places=list(reversed(option["places"])))
    a = compare([option], [reference], boundary=False).options[0].results["frame"]
    b = compare([reordered], [shuffled], boundary=False).options[0].results["frame"]
    for weight in ("area", "population"):
        assert a.coterminosity[weight] == pytest.approx(b.coterminosity[weight], rel=1e-6)
    units_a = {u.code: u for u in a.units}
    units_b = {u.code: u for u in b.units}
    assert units_a.keys() == units_b.keys()
    for code, unit in units_a.items():
        other = units_b[code]
        assert unit.whole == other.whole
        for weight in ("area", "population"):
            for place, share in unit.shares[weight].items():
                assert other.shares[weight].get(place, 0.0) == pytest.approx(share, rel=1e-6, abs=1e-6)
    places_a = {p.name: p.exactness for p in a.places}
    places_b = {p.name: p.exactness for p in b.places}
    assert places_a.keys() == places_b.keys()
    for name, exact in places_a.items():
        assert places_b[name] == pytest.approx(exact, rel=1e-6)


@SETTINGS
@given(option=options())
def test_an_option_compared_with_itself_is_fully_coterminous(option):
    from placegeo.comparison import compare
    from placegeo.options import load_option

    loaded = load_option(option)
    itself = loaded.frame[["place", "geometry"]].copy()
    result = compare([loaded], [itself]).options[0].results["frame"]
    assert result.coterminosity["area"] == pytest.approx(1.0, abs=1e-9)
    assert result.coterminosity["population"] == pytest.approx(1.0, abs=1e-9)
    assert not result.split_units
    assert result.coterminous_places == len(loaded.places)
    assert result.boundary_match in (None, pytest.approx(1.0))


@pytest.fixture(scope="module")
def lancashire_lsoas_and_districts():
    """England LSOAs 2021 and the published generalised districts over a 30 km square of Lancashire."""
    import geopandas as gpd

    from placegeo.catalogue import get_entry

    box = (345_000, 415_000, 375_000, 445_000)
    frames = []
    for layer_id in ("england/lsoa21", "published/lad21"):
        entry = get_entry(layer_id)
        if entry.path.suffix == ".parquet":
            frame = gpd.read_parquet(entry.path).cx[box[0]:box[2], box[1]:box[3]]
        else:
            frame = gpd.read_file(entry.path, layer=entry.layer, bbox=box).to_crs(27700)
        frames.append(frame.rename(columns={entry.code: "code"})[["code", "geometry"]])
    return frames


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_overlap_areas_do_not_depend_on_feature_order(seed, lancashire_lsoas_and_districts):
    """Shuffling both sides changes neither the pairs nor their areas (homes, subtraction and batches
    are all taken in a different order)."""
    import numpy as np

    from placegeo.overlaps import intersection_areas

    small, big = lancashire_lsoas_and_districts
    rng = np.random.default_rng(seed)
    ps, pb = rng.permutation(len(small)), rng.permutation(len(big))

    def table(s, b):
        pairs = intersection_areas(b.geometry.values, s.geometry.values)
        keys = zip(b["code"].to_numpy()[pairs.left], s["code"].to_numpy()[pairs.right], strict=True)
        return dict(zip(keys, pairs.area, strict=True)), pairs.derived

    base, derived = table(small, big)
    shuffled, derived_shuffled = table(small.iloc[ps], big.iloc[pb])
    assert derived > 0 and derived_shuffled == derived
    assert shuffled.keys() == base.keys()
    assert [shuffled[k] for k in base] == pytest.approx(list(base.values()), rel=1e-12)
