"""The bundled data: real figures, computed another way, and the catalogue's promises."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from placegeo.catalogue import load_catalogue
from placegeo.layers import load_layer

FOUR_PLACE_DISTRICTS = [f"E070001{n}" for n in range(17, 29)] + ["E06000008", "E06000009", "E07000027", "E07000031"]
LSC_POLYGON_LAYERS = ["lsoa11", "lad21", "ctyua21", "ccg21", "icb"]


@pytest.fixture(scope="module")
def lsoa11():
    return load_layer("lsoa11").frame


def test_sixteen_districts_of_the_four_places_hold_1687118_people(lsoa11):
    assert len(FOUR_PLACE_DISTRICTS) == 16
    assert int(lsoa11.loc[lsoa11.LAD21CD.isin(FOUR_PLACE_DISTRICTS), "POP2020"].sum()) == 1_687_118


def test_each_ccg_population_is_the_sum_of_its_lsoas_in_the_ons_lookup(shared_sources):
    lookup = pd.read_csv(shared_sources / "lsoa-ccg-lookup-lsc" / "lookup_lsoa11_ccg21_stp21_ltla21_lsc.csv")
    mye = pd.read_csv(shared_sources / "lsoa-population-mye2020" / "population20_lsoa11_lsc_syoa.csv")
    expected = lookup.merge(mye, on="lsoa11_code").groupby("ccg21_code")["total_population"].sum()
    ccg = load_layer("ccg21").frame.set_index("CCG21CD")["POP2020"]
    assert len(ccg) == 8
    assert ccg.sort_index().to_dict() == expected.sort_index().to_dict()


def test_bundled_ccg_populations_are_sums_over_bundled_lsoas(lsoa11):
    ccg = load_layer("ccg21").frame.set_index("CCG21CD")["POP2020"]
    assert ccg.to_dict() == lsoa11.groupby("CCG21CD")["POP2020"].sum().to_dict()


def test_icb_footprint_is_the_1058_lsoas_of_the_eight_ccgs(lsoa11):
    icb = load_layer("icb").frame
    assert len(icb) == 1 and icb.ICB22CD.iloc[0] == "E54000048"
    in_icb = lsoa11[lsoa11.ICB22CD == "E54000048"]
    assert len(in_icb) == 1058
    assert int(icb.POP2020.iloc[0]) == int(in_icb.POP2020.sum())
    assert icb.area.iloc[0] == pytest.approx(in_icb.area.sum(), rel=1e-9)


@pytest.mark.parametrize("layer_id", LSC_POLYGON_LAYERS)
def test_lsc_layers_pass_shapely_coverage_validation(layer_id):
    frame = load_layer(layer_id).frame
    assert shapely.coverage_is_valid(frame.geometry.values)


@pytest.mark.parametrize("layer_id", ["lad21", "ctyua21", "ccg21"])
def test_lsoa_built_layers_have_the_area_of_their_lsoas(layer_id, lsoa11):
    layer = load_layer(layer_id)
    key = layer.entry.blocks.key
    expected = lsoa11.assign(a=lsoa11.area).groupby(key)["a"].sum()
    got = layer.frame.set_index(layer.code).area
    pd.testing.assert_series_equal(got.sort_index(), expected.reindex(got.index).sort_index(), check_names=False,
                                   rtol=1e-9)


@pytest.mark.parametrize("layer_id", list(load_catalogue()))
def test_every_bundled_layer_loads_in_bng_with_the_catalogue_feature_count(layer_id):
    layer = load_layer(layer_id)
    assert layer.frame.crs.to_epsg() == 27700
    assert len(layer) == layer.entry.features
    assert layer.attribution and "Open Government Licence" in layer.attribution
