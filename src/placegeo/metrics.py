"""The alignment metrics of docs/metrics.md, one pure function each, on tables (no geometry).

Notation: reference units R_i (rows), places P_j (columns), footprint F = union of the places,
weight w (area in m² or population). The overlap matrix M[i, j] = w(R_i ∩ P_j) is a DataFrame with
unit codes as index and place names as columns; places are disjoint, so w(R_i ∩ F) = sum_j M[i, j].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_TOL = 0.01
DEFAULT_SNAP = 50.0


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


PLACE_BAND = Band("place", None, 500_000)
NEIGHBOURHOOD_BAND = Band("neighbourhood", 30_000, 50_000)


def in_footprint(matrix: pd.DataFrame) -> pd.Series:
    """w(R_i ∩ F) = sum_j M[i, j]: each unit's weight inside the footprint."""
    import pandas as pd

    return pd.Series(matrix.to_numpy(dtype=float).sum(axis=1), index=matrix.index, dtype=float)


def shares(matrix: pd.DataFrame) -> pd.DataFrame:
    """s[i, j] = M[i, j] / w(R_i ∩ F); units with nothing inside the footprint are dropped."""
    import pandas as pd

    values = matrix.to_numpy(dtype=float)
    inside = values.sum(axis=1)
    keep = inside > 0
    return pd.DataFrame(values[keep] / inside[keep, None], index=matrix.index[keep], columns=matrix.columns)


def best_fit(share: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """j*(i) = argmax_j s[i, j] and the fit b_i = s[i, j*(i)] (ties go to the first place in order)."""
    values = share.to_numpy(dtype=float)
    if values.size == 0:
        import pandas as pd

        return pd.Series(dtype=object), pd.Series(dtype=float)
    best = values.argmax(axis=1)
    import pandas as pd

    places = pd.Series(np.asarray(share.columns)[best], index=share.index)
    fit = pd.Series(values[np.arange(len(values)), best], index=share.index)
    return places, fit


def is_whole(fit: pd.Series, tol: float = DEFAULT_TOL) -> pd.Series:
    """A unit is whole when b_i >= 1 - tol, else split."""
    return fit >= 1.0 - tol - 1e-12


def split_parts(share_row: pd.Series, tol: float = DEFAULT_TOL) -> dict[str, float]:
    """The places a split unit lists: every P_j with s[i, j] >= tol, largest share first."""
    parts = share_row[share_row >= tol].sort_values(ascending=False, kind="stable")
    return {str(k): float(v) for k, v in parts.items()}


def moving(matrix: pd.DataFrame, best: pd.Series) -> pd.Series:
    """Weight of each unit inside F but outside its best-fit place: w(R_i ∩ F) - M[i, j*(i)].

    With the best fit taken by the same weight this equals w(R_i ∩ F) * (1 - b_i) ("people who move").
    ``best`` may come from another weight (the primary one), so that area and population agree on
    which place a unit belongs to.
    """
    cols = matrix.columns.get_indexer(best.reindex(matrix.index).to_numpy())
    kept = matrix.to_numpy(dtype=float)[np.arange(len(matrix)), np.maximum(cols, 0)]
    return in_footprint(matrix) - np.where(cols >= 0, kept, 0.0)


def outside_share(inside: pd.Series, total: pd.Series) -> pd.Series:
    """Share of each unit lying outside the footprint: 1 - w(R_i ∩ F) / w(R_i) (0 when w(R_i) = 0).

    Shares below 1e-9 are float noise (the same sum taken in another order) and count as 0.
    """
    import pandas as pd

    w_all = total.reindex(inside.index).to_numpy(dtype=float)
    w_in = inside.to_numpy(dtype=float)
    ok = w_all > 0
    out = np.zeros(len(w_in))
    np.divide(w_in, w_all, out=out, where=ok)
    out = np.where(ok, 1.0 - out, 0.0)
    out[~(out > 1e-9)] = 0.0
    return pd.Series(out, index=inside.index, dtype=float)


def outside_only(inside: dict[str, pd.Series], total: dict[str, pd.Series], tol: float = DEFAULT_TOL) -> pd.Series:
    """Units lying (almost) wholly outside the footprint: w(R_i ∩ F) < tol * w(R_i) for every weight
    whose total is known (> 0). Such a unit is a neighbour touching F through a sliver, not a split.
    """
    import pandas as pd

    index = next(iter(inside.values())).index if inside else pd.Index([])
    out = np.full(len(index), tol > 0)
    known = np.zeros(len(index), dtype=bool)
    for key, w_in in inside.items():
        w_all = total[key].reindex(index).to_numpy(dtype=float)
        has = w_all > 0
        known |= has
        out &= ~has | (w_in.reindex(index).to_numpy(dtype=float) < tol * np.where(has, w_all, 0.0))
    return pd.Series(out & known, index=index, dtype=bool)


def exactness(matrix: pd.DataFrame, best: pd.Series, place_weight: pd.Series) -> pd.Series:
    """Jaccard J_j = w(P_j ∩ U_j) / w(P_j ∪ U_j), U_j the units whose best fit is P_j (clipped to F).

    w(P_j ∩ U_j) = sum over i with j*(i) = j of M[i, j]; w(U_j) = sum of w(R_i ∩ F) over those units;
    w(P_j ∪ U_j) = w(P_j) + w(U_j) - w(P_j ∩ U_j). A place no unit fits best has J_j = 0.
    """
    import pandas as pd

    values = matrix.to_numpy(dtype=float)
    inside = values.sum(axis=1)
    cols = matrix.columns.get_indexer(best.reindex(matrix.index).to_numpy())
    n = len(matrix.columns)
    rows = cols >= 0
    both = np.bincount(cols[rows], weights=values[np.flatnonzero(rows), cols[rows]], minlength=n)
    units = np.bincount(cols[rows], weights=inside[rows], minlength=n)
    own = place_weight.reindex(matrix.columns).fillna(0.0).to_numpy(dtype=float)
    union = own + units - both
    jaccard = np.divide(both, union, out=np.zeros(n), where=union > 0)
    return pd.Series(jaccard, index=matrix.columns, dtype=float)


def is_coterminous(jaccard: pd.Series, tol: float = DEFAULT_TOL) -> pd.Series:
    """A place is coterminous with the reference layer when J_j >= 1 - tol."""
    return jaccard >= 1.0 - tol - 1e-12


def coterminosity_index(inside: pd.Series, fit: pd.Series, footprint_weight: float) -> float:
    """C = sum_i w(R_i ∩ F) * b_i / w(F): the share of the footprint lying in its unit's best-fit place.

    Never above 1: a layer whose units overlap by more than tol is refused before this (see compare);
    overlaps within tol (float slivers between generalised edges) are capped at 1.
    """
    if footprint_weight <= 0:
        return float("nan")
    return float(min(1.0, (inside.reindex(fit.index) * fit).sum() / footprint_weight))


def boundary_match(matched_length: float, internal_length: float) -> float | None:
    """Share of a place's boundary (outer edge of F excluded) within the snap distance of R's boundaries.

    None when the place has no internal boundary (a one-place option).
    """
    if internal_length <= 0:
        return None
    return min(1.0, matched_length / internal_length)


def band_flag(population: float | None, band: Band) -> str:
    """Where a population sits against a guidance band: ``below``, ``within`` or ``above``."""
    if population is None or np.isnan(population):
        return "unknown"
    if band.low is not None and population < band.low:
        return "below"
    if band.high is not None and population > band.high:
        return "above"
    return "within"
