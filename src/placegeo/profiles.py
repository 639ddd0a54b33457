"""Who lives in a place: residents, the Core20 share, deprivation (IMD) and the share aged 65+.

Every figure is a sum over small areas (LSOAs) of a per-LSOA value, areal weighted where a place cuts an
LSOA: the same people-in-area method as population (:mod:`placegeo.population`, docs/metrics.md):

    S(X) = sum over L of s(L) * f(L, X),   f(L, X) = area(L ∩ X) / area(L)  (1 for a whole LSOA)

with s(L) one of: residents pop(L); Core20 residents pop(L)·[IMD decile(L) <= 2]; residents aged 65+;
pop(L)·rank(L); pop(L)·score(L). Shares and means are ratios of those sums (:func:`figures`). Pure numpy
over per-atom arrays: :func:`atom_profile` reads them off a small-area layer once, :func:`profile_sums`
adds them up for any (target, atom, fraction) pairs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from placegeo.layers import Layer

CORE20_DECILES = 2
"""Core20PLUS5: the most deprived 20 % of the national population, meaning LSOAs in IMD deciles 1 and 2."""

SUMS = ("residents", "core20", "aged65", "rank_people", "score_people")
"""The per-atom values summed: residents, Core20 residents, residents aged 65+, pop × rank, pop × score."""


@dataclass(frozen=True)
class Vintage:
    """One edition of the English Indices of Deprivation as carried on a small-area layer."""

    prefix: str            # column prefix: <prefix>_DECILE, <prefix>_RANK[, <prefix>_SCORE]
    source: str            # the figure's source and vintage, as quoted in every view
    lsoas: int             # LSOAs ranked nationally (rank 1 = most deprived)
    scores: bool           # whether the layer carries the IMD score


IMD_VINTAGES = (
    Vintage("IMD25", "English Indices of Deprivation 2025 (MHCLG), LSOA 2021", 33_755, True),
    Vintage("IMD19", "English Indices of Deprivation 2019 (MHCLG), LSOA 2011 (ranks and deciles; no scores)",
            32_844, False),
)


@dataclass
class AtomProfile:
    """Per-small-area values of one layer (arrays in the layer's frame order) and what they come from."""

    layer: str
    values: dict[str, np.ndarray]    # SUMS key -> per-atom array (score_people absent without scores)
    imd: Vintage | None
    population_source: str           # e.g. "ONS Census 2021 (21 March 2021), usual residents"
    national_scores: np.ndarray | None = None  # every English LSOA's IMD score, descending (rank order)


def atom_profile(layer: Layer) -> AtomProfile | None:
    """The per-atom profile values of a small-area population layer (None without population), computed
    once per Layer object. Without IMD columns the deprivation sums are absent; without ``<POP>_65PLUS``
    the 65+ sum is."""
    if not layer.population:
        return None
    cached = layer.derived.get("atom_profile")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    import pandas as pd

    frame = layer.frame

    def column(name: str) -> np.ndarray:
        return pd.to_numeric(frame[name], errors="coerce").fillna(0.0).to_numpy(dtype=float)

    people = column(layer.population)
    values = {"residents": people}
    if f"{layer.population}_65PLUS" in frame:
        values["aged65"] = column(f"{layer.population}_65PLUS")
    imd = next((v for v in IMD_VINTAGES if f"{v.prefix}_DECILE" in frame and f"{v.prefix}_RANK" in frame), None)
    national = None
    if imd is not None:
        decile = column(f"{imd.prefix}_DECILE")
        values["core20"] = np.where((decile >= 1) & (decile <= CORE20_DECILES), people, 0.0)
        values["rank_people"] = people * column(f"{imd.prefix}_RANK")
        if imd.scores and f"{imd.prefix}_SCORE" in frame:
            score = column(f"{imd.prefix}_SCORE")
            values["score_people"] = people * score
            if len(score) == imd.lsoas:  # a national layer: the score's national rank can be read off it
                national = np.sort(score)[::-1]
    entry = layer.entry
    vintage = getattr(entry, "population_vintage", None) or layer.population
    profile = AtomProfile(layer.id, values, imd, str(vintage), national)
    layer.derived["atom_profile"] = profile
    return profile


def profile_sums(atoms: AtomProfile, target: np.ndarray, atom: np.ndarray, fraction: np.ndarray,
                 n: int) -> dict[str, np.ndarray]:
    """S(X_t) for t < n: sum over pairs (t, L, f) of s(L) · f, for every per-atom value ``atoms`` holds."""
    f = np.minimum(np.asarray(fraction, dtype=float), 1.0)
    return {key: np.bincount(target, weights=arr[atom] * f, minlength=n) for key, arr in atoms.values.items()}


def figures(sums: Mapping[str, float], atoms: AtomProfile) -> dict[str, Any]:
    """A place's profile from its sums: residents, Core20 residents and share, population-weighted mean
    IMD rank (and score where the layer has scores) with its national decile band, residents aged 65+
    and their share. Figures the layer cannot give are None."""
    residents = float(sums.get("residents", 0.0))

    def share(key: str) -> float | None:
        if key not in sums or residents <= 0:
            return None
        return float(sums[key]) / residents

    imd = atoms.imd
    rank = share("rank_people")
    score = share("score_people")
    band: int | None = None
    if imd is not None and score is not None and atoms.national_scores is not None:
        band = rank_band(national_rank(score, atoms.national_scores), imd.lsoas)
    elif imd is not None and rank is not None and not imd.scores:
        band = rank_band(rank, imd.lsoas)
    return {
        "residents": residents,
        "core20": float(sums["core20"]) if "core20" in sums else None,
        "core20_share": share("core20"),
        "imd_score": score,
        "imd_rank": rank,
        "imd_band": band,
        "aged65": float(sums["aged65"]) if "aged65" in sums else None,
        "aged65_share": share("aged65"),
        "imd_source": imd.source if imd is not None else None,
        "population_source": atoms.population_source,
    }


def national_rank(score: float, national_scores: np.ndarray) -> float:
    """Where a score would rank among England's LSOAs: 1 + the number of LSOAs more deprived (higher score)."""
    ascending = national_scores[::-1]
    higher = len(ascending) - int(np.searchsorted(ascending, score, side="right"))
    return float(higher + 1)


def rank_band(rank: float, lsoas: int) -> int:
    """The national decile (1 = most deprived tenth) a rank out of ``lsoas`` falls in."""
    return min(10, max(1, math.ceil(rank * 10 / lsoas)))
