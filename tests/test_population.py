"""Population by areal weighting inside each LSOA (metrics.md), against sums and a hand calculation."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def pop():
    from placegeo.population import population_layer

    return population_layer()


def test_default_population_layer_is_mid_2020_lsoas(pop):
    assert pop.id == "lsoa11" and pop.population == "POP2020"


def test_districts_built_of_whole_lsoas_get_their_lsoa_sums(pop):
    from placegeo.layers import load_layer
    from placegeo.population import population_of

    lads = load_layer("lad21")
    got = population_of(lads.frame.geometry.values, pop)
    truth = pop.frame.groupby("LAD21CD")[pop.population].sum()
    assert got == pytest.approx(truth.reindex(lads.codes).to_numpy(dtype=float), rel=1e-9)


def test_part_of_an_lsoa_gets_its_area_share_of_the_people(pop):
    import shapely

    from placegeo.population import population_of

    lsoa = pop.frame.geometry.values[0]
    minx, miny, maxx, maxy = lsoa.bounds
    half = shapely.box(minx - 1, miny - 1, (minx + maxx) / 2, maxy + 1)
    part = shapely.intersection(lsoa, half)
    expected = float(pop.frame[pop.population].iloc[0]) * part.area / lsoa.area
    # the half-box also reaches into neighbouring LSOAs; only the part inside this LSOA is asked for here
    assert population_of(np.array([part]), pop)[0] == pytest.approx(expected, rel=1e-9)


def test_a_layer_without_population_is_refused():
    from placegeo.errors import LayerError
    from placegeo.population import population_layer

    with pytest.raises(LayerError, match="no population"):
        population_layer("published/lad21")


def test_overlap_of_english_files_weighs_with_english_population(tmp_path):
    """With no --population, two user files outside L&SC are weighed with england/lsoa21, not lsoa11."""
    from placegeo.api import overlap
    from placegeo.layers import load_layer

    hull, east_riding = "E06000010", "E06000011"
    districts = load_layer("england/lad24").frame
    districts[districts.LAD24CD.isin([hull, east_riding])].to_file(tmp_path / "a.gpkg")
    districts[districts["LAD24CD"] == hull].to_file(tmp_path / "b.gpkg")
    table = overlap(tmp_path / "a.gpkg", tmp_path / "b.gpkg", weight="population")
    lsoa = load_layer("england/lsoa21").frame
    census_hull = lsoa.loc[lsoa["LAD24CD"] == hull, "POP2021"].sum()
    got = table.loc[table.left == hull, "population"].sum()
    assert got == pytest.approx(census_hull, rel=1e-9)  # LSOA-built districts: exact, even as user files


def test_a_geodataframe_of_lsoas_is_a_population_layer_like_the_bundled_one(pop):
    """An in-memory frame is read as a file is: its POP2020 column is found, and districts get the same
    people from it as from the bundled layer (the LSOA sums)."""
    from placegeo.layers import load_layer
    from placegeo.population import population_layer, population_of

    frame = pop.frame.copy()
    mine = population_layer(frame)
    assert mine.population == "POP2020" and mine.code == pop.code
    lads = load_layer("lad21").frame.geometry.values
    assert population_of(lads, mine) == pytest.approx(population_of(lads, pop), rel=1e-12)
