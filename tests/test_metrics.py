"""Each metric of docs/metrics.md on a small hand-worked matrix."""

from __future__ import annotations

import numpy as np
import pytest

from placegeo import metrics

# three units (rows U1, U2, U3) over two places (columns A, B):
# U1 wholly in A, U2 split 70/30, U3 wholly in B but half outside F
M = np.array([[100.0, 0.0], [70.0, 30.0], [0.0, 50.0]])
TOTAL = np.array([100.0, 100.0, 100.0])
PLACE_W = np.array([170.0, 80.0])


def test_shares_divide_by_the_weight_inside_the_footprint():
    s, kept = metrics.shares(M)
    assert kept.tolist() == [True, True, True]
    assert s[1].tolist() == [0.7, 0.3]
    assert s[2].tolist() == [0.0, 1.0]  # not 0.5: the part outside F does not count


def test_units_with_nothing_inside_the_footprint_have_no_shares():
    s, kept = metrics.shares(np.array([[0.0, 0.0], [2.0, 2.0]]))
    assert kept.tolist() == [False, True]
    assert s.tolist() == [[0.5, 0.5]]


def test_best_fit_and_whole_or_split():
    best, fit = metrics.best_fit(metrics.shares(M)[0])
    assert best.tolist() == [0, 0, 1]
    assert fit.tolist() == [1.0, 0.7, 1.0]
    assert metrics.is_whole(fit, 0.01).tolist() == [True, False, True]
    assert metrics.is_whole(np.array([0.99, 0.9899]), 0.01).tolist() == [True, False]


def test_a_tie_goes_to_the_first_place():
    best, fit = metrics.best_fit(np.array([[0.5, 0.5]]))
    assert (best.tolist(), fit.tolist()) == ([0], [0.5])


def test_split_lists_places_at_or_above_tol():
    assert metrics.split_parts({"A": 0.295, "B": 0.7, "C": 0.005}, 0.01) == {"B": 0.7, "A": 0.295}


def test_outside_share():
    assert metrics.outside_share(metrics.in_footprint(M), TOTAL).tolist() == [0.0, 0.0, 0.5]


def test_exactness_is_jaccard_against_best_fit_units():
    best, _ = metrics.best_fit(metrics.shares(M)[0])
    j = metrics.exactness(M, best, PLACE_W)
    # A: U_A = U1 + U2 (200 inside F); A ∩ U_A = 170; A ∪ U_A = 170 + 200 - 170 = 200
    assert j[0] == pytest.approx(170 / 200)
    # B: U_B = U3 (50 inside F); B ∩ U_B = 50; B ∪ U_B = 80 + 50 - 50 = 80
    assert j[1] == pytest.approx(50 / 80)
    assert metrics.is_coterminous(j, 0.01).tolist() == [False, False]


def test_coterminosity_index():
    s, kept = metrics.shares(M)
    _, fit = metrics.best_fit(s)
    # (100*1 + 100*0.7 + 50*1) / 250
    assert metrics.coterminosity_index(metrics.in_footprint(M)[kept], fit, 250.0) == pytest.approx(220 / 250)


def test_moving_is_the_weight_outside_the_best_fit_place():
    best, _ = metrics.best_fit(metrics.shares(M)[0])
    assert metrics.moving(M, best).tolist() == [0.0, 30.0, 0.0]


def test_boundary_match_and_bands():
    assert metrics.boundary_match(30.0, 40.0) == 0.75
    assert metrics.boundary_match(0.0, 0.0) is None
    assert metrics.band_flag(600_000, metrics.PLACE_BAND) == "above"
    assert metrics.band_flag(40_000, metrics.NEIGHBOURHOOD_BAND) == "within"
    assert metrics.band_flag(20_000, metrics.NEIGHBOURHOOD_BAND) == "below"
    assert metrics.PLACE_BAND.describe() == "up to 500,000"


def test_outside_only_needs_every_weight_below_tol():
    inside = {"area": np.array([5.0, 50.0, 0.5]), "population": np.array([1.0, 1.0, 0.0])}
    total = {"area": np.array([1000.0, 1000.0, 100.0]), "population": np.array([200.0, 200.0, 0.0])}
    # 0.5 %/0.5 % -> outside; 5 % by area -> not; third: 0.5 % area, population unknown -> outside
    assert metrics.outside_only(inside, total, 0.01).tolist() == [True, False, True]
    assert metrics.coterminosity_index(np.array([60.0, 50.0]), np.array([1.0, 1.0]), 100.0) == 1.0
