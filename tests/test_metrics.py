"""Each metric of docs/metrics.md on a small hand-worked matrix."""

from __future__ import annotations

import pandas as pd
import pytest

from placegeo import metrics

# three units over two places: U1 wholly in A, U2 split 70/30, U3 wholly in B but half outside F
M = pd.DataFrame({"A": [100.0, 70.0, 0.0], "B": [0.0, 30.0, 50.0]}, index=["U1", "U2", "U3"])
TOTAL = pd.Series({"U1": 100.0, "U2": 100.0, "U3": 100.0})
PLACE_W = pd.Series({"A": 170.0, "B": 80.0})


def test_shares_divide_by_the_weight_inside_the_footprint():
    s = metrics.shares(M)
    assert s.loc["U2"].to_dict() == {"A": 0.7, "B": 0.3}
    assert s.loc["U3"].to_dict() == {"A": 0.0, "B": 1.0}  # not 0.5: the part outside F does not count


def test_best_fit_and_whole_or_split():
    best, fit = metrics.best_fit(metrics.shares(M))
    assert best.to_dict() == {"U1": "A", "U2": "A", "U3": "B"}
    assert fit.to_dict() == {"U1": 1.0, "U2": 0.7, "U3": 1.0}
    assert metrics.is_whole(fit, 0.01).to_dict() == {"U1": True, "U2": False, "U3": True}
    assert metrics.is_whole(pd.Series([0.99, 0.9899]), 0.01).tolist() == [True, False]


def test_split_lists_places_at_or_above_tol():
    row = pd.Series({"A": 0.7, "B": 0.295, "C": 0.005})
    assert metrics.split_parts(row, 0.01) == {"A": 0.7, "B": 0.295}


def test_outside_share():
    inside = metrics.in_footprint(M)
    assert metrics.outside_share(inside, TOTAL).to_dict() == {"U1": 0.0, "U2": 0.0, "U3": 0.5}


def test_exactness_is_jaccard_against_best_fit_units():
    best, _ = metrics.best_fit(metrics.shares(M))
    j = metrics.exactness(M, best, PLACE_W)
    # A: U_A = U1 + U2 (200 inside F); A ∩ U_A = 170; A ∪ U_A = 170 + 200 - 170 = 200
    assert j["A"] == pytest.approx(170 / 200)
    # B: U_B = U3 (50 inside F); B ∩ U_B = 50; B ∪ U_B = 80 + 50 - 50 = 80
    assert j["B"] == pytest.approx(50 / 80)
    assert metrics.is_coterminous(j, 0.01).tolist() == [False, False]


def test_coterminosity_index():
    inside = metrics.in_footprint(M)
    _, fit = metrics.best_fit(metrics.shares(M))
    # (100*1 + 100*0.7 + 50*1) / 250
    assert metrics.coterminosity_index(inside, fit, 250.0) == pytest.approx(220 / 250)


def test_moving_is_the_weight_outside_the_best_fit_place():
    best, _ = metrics.best_fit(metrics.shares(M))
    assert metrics.moving(M, best).to_dict() == {"U1": 0.0, "U2": 30.0, "U3": 0.0}


def test_boundary_match_and_bands():
    assert metrics.boundary_match(30.0, 40.0) == 0.75
    assert metrics.boundary_match(0.0, 0.0) is None
    assert metrics.band_flag(600_000, metrics.PLACE_BAND) == "above"
    assert metrics.band_flag(40_000, metrics.NEIGHBOURHOOD_BAND) == "within"
    assert metrics.band_flag(20_000, metrics.NEIGHBOURHOOD_BAND) == "below"
    assert metrics.PLACE_BAND.describe() == "up to 500,000"


def test_outside_only_needs_every_weight_below_tol():
    import pandas as pd

    from placegeo import metrics

    inside = {"area": pd.Series([5.0, 50.0, 0.5]), "population": pd.Series([1.0, 1.0, 0.0])}
    total = {"area": pd.Series([1000.0, 1000.0, 100.0]), "population": pd.Series([200.0, 200.0, 0.0])}
    # 0.5 %/0.5 % -> outside; 5 % by area -> not; third: 0.5 % area, population unknown -> outside
    assert metrics.outside_only(inside, total, 0.01).tolist() == [True, False, True]
    assert metrics.coterminosity_index(pd.Series([60.0, 50.0]), pd.Series([1.0, 1.0]), 100.0) == 1.0
