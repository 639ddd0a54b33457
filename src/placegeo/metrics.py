"""The alignment metrics of docs/metrics.md, one pure function each, on arrays (no geometry).

Notation: reference units R_i (rows), places P_j (columns), footprint F = union of the places,
weight w (area in m² or population). The overlap matrix M[i, j] = w(R_i ∩ P_j) is a 2-D numpy array,
rows in unit order and columns in place order; places are disjoint, so w(R_i ∩ F) = sum_j M[i, j].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from placegeo import defaults

DEFAULT_TOL = defaults.TOL
DEFAULT_SNAP = defaults.SNAP


@dataclass(frozen=True)
class Band:
    """A guidance band for population sizes; either end may be open (None)."""

    name: str
    low: float | None = None
    high: float | None = None

    def describe(self) -> str:
        if self.low is None and self.high is None:
            return "any size"
        if self.low is None:
            return f"up to {self.high:,.0f}"
        if self.high is None:
            return f"at least {self.low:,.0f}"
        return f"{self.low:,.0f} to {self.high:,.0f}"


PLACE_BAND = Band("place", None, defaults.PLACE_MAX)
NEIGHBOURHOOD_BAND = Band("neighbourhood", defaults.NEIGHBOURHOOD_MIN, defaults.NEIGHBOURHOOD_MAX)


def in_footprint(matrix: np.ndarray) -> np.ndarray:
    """w(R_i ∩ F) = sum_j M[i, j]: each unit's weight inside the footprint."""
    return np.asarray(matrix, dtype=float).sum(axis=1)


def shares(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s[i, j] = M[i, j] / w(R_i ∩ F), for the units with some weight inside F.

    Returns the share rows of those units and the mask ``kept`` saying which rows of M they are.
    """
    values = np.asarray(matrix, dtype=float)
    inside = values.sum(axis=1)
    kept = inside > 0
    return values[kept] / inside[kept, None], kept


def best_fit(share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """j*(i) = argmax_j s[i, j] (column index) and the fit b_i = s[i, j*(i)]; ties go to the first place."""
    share = np.asarray(share, dtype=float)
    if share.size == 0:
        return np.zeros(len(share), dtype=np.int64), np.zeros(len(share))
    best = share.argmax(axis=1)
    return best, share[np.arange(len(share)), best]


def is_whole(fit: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
    """A unit is whole when b_i >= 1 - tol, else split."""
    return np.asarray(fit, dtype=float) >= 1.0 - tol - 1e-12


def split_parts(share_row: Mapping[str, float], tol: float = DEFAULT_TOL) -> dict[str, float]:
    """The places holding at least ``tol`` of a unit: every P_j with s[i, j] >= tol, largest share first (stable)."""
    kept = [(place, float(value)) for place, value in share_row.items() if value >= tol]
    return dict(sorted(kept, key=lambda item: -item[1]))


OUTSIDE = "outside"
"""The key of the part of a unit lying outside the footprint, in its list of shares."""


def is_split(share: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
    """A unit is split when at least two places each hold at least ``tol`` of it: rows of shares of the whole
    unit, w(R_i ∩ P_j) / w(R_i) (noise removed; for a unit wholly inside F these are s[i, j])."""
    share = np.asarray(share, dtype=float)
    if share.size == 0:
        return np.zeros(len(share), dtype=bool)
    return ((share > 0) & (share >= tol - 1e-12)).sum(axis=1) >= 2


def unit_shares(row: Mapping[str, float], total: float) -> dict[str, float]:
    """A unit's shares of the whole unit, w(R_i ∩ P_j) / w(R_i), for every place holding some of it, largest
    first, and the rest as :data:`OUTSIDE` (when above 1e-9, float noise): they sum to 1. ``row`` holds
    w(R_i ∩ P_j) by place; with ``total`` w(R_i) = 0 (a unit without that weight) the shares are of the part
    inside F, with no outside share."""
    inside = float(sum(row.values()))
    whole = total if total > 0 else inside
    if whole <= 0:
        return {}
    parts = sorted(((place, float(value) / whole) for place, value in row.items() if value > 0),
                   key=lambda item: -item[1])
    out = dict(parts)
    rest = 1.0 - sum(out.values())
    if total > 0 and rest > 1e-9:
        out[OUTSIDE] = rest
    return out


def without_noise(values: Mapping[str, np.ndarray], noise: Mapping[str, np.ndarray], real_area: np.ndarray,
                  total_area: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The overlap matrix with edge noise taken out (docs/metrics.md, "edge noise").

    ``values[k][i, j]`` = w(R_i ∩ P_j) and ``noise[k][i, j]`` the weight of its noise pieces, per weight
    (``noise`` always holds ``area``, whatever ``values`` measures);
    ``real_area[i, j]`` the area of its other pieces; ``total_area[i]`` = area(R_i). Edge noise is not a share:

    * a unit with some real piece inside F: its noise joins the place holding most of its real area (it moves
      nobody, and w(R_i ∩ F) is unchanged);
    * a unit with only noise inside F and most of its area outside F is **touched only by noise**: its row
      becomes 0 (a neighbour, not a unit of F);
    * a unit with only noise inside F but most of its area inside (narrower than 2 × snap) keeps its pieces:
      nothing tells its noise from its shares.

    Returns (the matrix per weight, the rows touched only by noise, the cells whose noise was taken out: a
    noise piece in the unit's own best place stays where it is and is not counted).
    """
    real_area = np.asarray(real_area, dtype=float)
    n = len(real_area)
    has_noise = np.zeros(n, dtype=bool)
    for m in noise.values():
        has_noise |= np.asarray(m, dtype=float).sum(axis=1) > 0
    has_real = (real_area > 0).any(axis=1)
    inside_area = real_area.sum(axis=1) + np.asarray(noise["area"], dtype=float).sum(axis=1)
    only = has_noise & ~has_real & (inside_area < 0.5 * np.asarray(total_area, dtype=float))
    best = real_area.argmax(axis=1) if real_area.size else np.zeros(n, dtype=np.int64)
    cells = np.zeros(real_area.shape, dtype=bool)
    cells[has_real | only] = True
    cells[np.flatnonzero(has_real), best[has_real]] = False
    rows = np.flatnonzero(has_real)
    out = {}
    for key, m in values.items():
        clean = np.asarray(m, dtype=float).copy()
        moved = np.where(cells, np.asarray(noise[key], dtype=float), 0.0)
        clean -= moved
        clean[rows, best[rows]] += moved[rows].sum(axis=1)
        clean[only] = 0.0
        out[key] = np.maximum(clean, 0.0)
    return out, only, cells & (np.asarray(noise["area"], dtype=float) > 0)


def moving(matrix: np.ndarray, best: np.ndarray) -> np.ndarray:
    """Weight of each unit inside F but outside its best-fit place: w(R_i ∩ F) - M[i, j*(i)].

    With the best fit taken by the same weight this equals w(R_i ∩ F) * (1 - b_i) ("people who move").
    ``best`` may come from another weight (the primary one), so that area and population agree on
    which place a unit belongs to.
    """
    values = np.asarray(matrix, dtype=float)
    return values.sum(axis=1) - values[np.arange(len(values)), best]


def outside_share(inside: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Share of each unit lying outside the footprint: 1 - w(R_i ∩ F) / w(R_i) (0 when w(R_i) = 0).

    Shares below 1e-9 are float noise (the same sum taken in another order) and count as 0.
    """
    w_in, w_all = np.asarray(inside, dtype=float), np.asarray(total, dtype=float)
    ok = w_all > 0
    out = np.zeros(len(w_in))
    np.divide(w_in, w_all, out=out, where=ok)
    out = np.where(ok, 1.0 - out, 0.0)
    out[~(out > 1e-9)] = 0.0
    return out


def outside_only(inside: Mapping[str, np.ndarray], total: Mapping[str, np.ndarray],
                 tol: float = DEFAULT_TOL) -> np.ndarray:
    """Units lying (almost) wholly outside the footprint: w(R_i ∩ F) < tol * w(R_i) for every weight
    whose total is known (> 0). Such a unit is a neighbour touching F through a sliver, not a split.
    """
    n = len(next(iter(inside.values()))) if inside else 0
    out = np.full(n, tol > 0)
    known = np.zeros(n, dtype=bool)
    for key, w_in in inside.items():
        w_all = np.asarray(total[key], dtype=float)
        has = w_all > 0
        known |= has
        out &= ~has | (np.asarray(w_in, dtype=float) < tol * np.where(has, w_all, 0.0))
    return out & known


def exactness(matrix: np.ndarray, best: np.ndarray, place_weight: np.ndarray) -> np.ndarray:
    """Jaccard J_j = w(P_j ∩ U_j) / w(P_j ∪ U_j), U_j the units whose best fit is P_j (clipped to F).

    w(P_j ∩ U_j) = sum over i with j*(i) = j of M[i, j]; w(U_j) = sum of w(R_i ∩ F) over those units;
    w(P_j ∪ U_j) = w(P_j) + w(U_j) - w(P_j ∩ U_j). A place no unit fits best has J_j = 0.
    """
    values = np.asarray(matrix, dtype=float)
    n = values.shape[1]
    best = np.asarray(best, dtype=np.int64)
    both = np.bincount(best, weights=values[np.arange(len(values)), best], minlength=n)
    units = np.bincount(best, weights=values.sum(axis=1), minlength=n)
    union = np.asarray(place_weight, dtype=float) + units - both
    return np.divide(both, union, out=np.zeros(n), where=union > 0)


def is_coterminous(jaccard: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
    """A place is coterminous with the reference layer when J_j >= 1 - tol."""
    return np.asarray(jaccard, dtype=float) >= 1.0 - tol - 1e-12


def coterminosity_index(inside: np.ndarray, fit: np.ndarray, footprint_weight: float) -> float:
    """C = sum_i w(R_i ∩ F) * b_i / w(F): the share of the footprint lying in its unit's best-fit place.

    ``inside`` and ``fit`` are aligned (the units with weight inside F). Never above 1: a layer whose
    units overlap by more than tol is refused before this (see compare); overlaps within tol (float
    slivers between generalised edges) are capped at 1.
    """
    if footprint_weight <= 0:
        return float("nan")
    return float(min(1.0, float(np.dot(np.asarray(inside, dtype=float), np.asarray(fit, dtype=float)))
                     / footprint_weight))


def boundary_match(matched_length: float, internal_length: float) -> float | None:
    """Share of a place's boundary (outer edge of F excluded) within the snap distance of R's boundaries.

    None when the place has no internal boundary (a one-place option).
    """
    if internal_length <= 0:
        return None
    return min(1.0, matched_length / internal_length)


def edge_match(distance: np.ndarray, length: np.ndarray, snap: float) -> tuple[float, float] | None:
    """(share of a file's edge length within ``snap`` metres of another layer's edges, median distance in m),
    from points along the edges: ``distance`` to the other edges, ``length`` of edge each stands for (the
    length-weighted median). None without edges."""
    d, w = np.asarray(distance, dtype=float), np.asarray(length, dtype=float)
    total = float(w.sum())
    if not len(d) or total <= 0:
        return None
    order = np.argsort(d, kind="stable")
    middle = int(np.searchsorted(np.cumsum(w[order]), 0.5 * total))
    return float(w[d <= snap].sum() / total), float(d[order][min(middle, len(d) - 1)])


def band_flag(population: float | None, band: Band) -> str:
    """Where a population sits against a guidance band: ``below``, ``within`` or ``above``."""
    if population is None or np.isnan(population):
        return "unknown"
    if band.low is not None and population < band.low:
        return "below"
    if band.high is not None and population > band.high:
        return "above"
    return "within"
