"""The three ways of giving each building block (LSOA) to one PCN.

- ``registrations``: the PCN whose practices have the most registered patients living in the block, from
  NHS Digital's practice x LSOA file. Only blocks the file covers completely can be assigned this way (the
  file may be a regional extract): a block counts as covered when its registered patients are at least
  ``COVERED`` of its resident population.
- ``nearest``: the PCN of the nearest practice to the block's centroid; or weighted by list size, either with
  distances divided by (list size / median) ** ``ALPHA`` (a weighted Voronoi: big practices reach further), or
  by ``gravity`` (Huff model: a PCN's pull on a block is the sum of its practices' list size / distance ** 2).
- ``catchment``: the PCN whose catchment polygons cover the largest share of the block; near ties (the eDEC
  catchments overlap heavily) and uncovered blocks go to the nearest practice among the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

COVERED = 0.5  # registered patients / residents at or above which a registrations file covers a block
TIE = 0.05  # catchment shares within this of the best one count as a tie
ALPHA = 0.5  # list-size weighting: distance / (size / median size) ** ALPHA (reach grows with sqrt(size))
BETA = 2.0  # gravity (Huff) weighting: pull = list size / distance ** BETA (the gravity law)
FLOOR = 500.0  # metres: nearer practices count as this far (a block's point is not where its people live)


@dataclass
class Assignment:
    """Block code -> PCN code, the rule that decided each block, and the registered shares where known."""

    pcn: pd.Series
    rule: pd.Series
    shares: pd.DataFrame | None = None  # LSOA_CODE, PCN_CODE, PATIENTS, SHARE
    notes: list[str] = field(default_factory=list)


@dataclass
class Practices:
    """Located practices with their PCN: arrays aligned by position."""

    code: np.ndarray
    pcn: np.ndarray
    xy: np.ndarray  # (n, 2) metres, EPSG:27700
    size: np.ndarray  # list size, nan when unknown


def pcn_scores(points: np.ndarray, practices: Practices, weight: str = "none", *, beta: float = BETA,
               floor: float = FLOOR) -> tuple[np.ndarray, np.ndarray]:
    """(PCN codes, points x PCNs score matrix): the higher the score, the likelier a block's patients use that PCN.

    ``none``: minus the distance to the PCN's nearest practice. ``list-size``: the same with distances divided by
    (list size / median) ** ``ALPHA``. ``gravity``: the Huff model, the sum over the PCN's practices of
    list size / max(distance, ``floor``) ** ``beta`` (defaults ``FLOOR``, ``BETA``).
    """
    distance = np.hypot(points[:, None, 0] - practices.xy[None, :, 0], points[:, None, 1] - practices.xy[None, :, 1])
    size = practices.size.astype(float)
    known = np.isfinite(size) & (size > 0)
    median = np.median(size[known]) if known.any() else 1.0
    size = np.where(known, size, median)
    if weight == "gravity":
        score = size[None, :] / np.maximum(distance, floor) ** beta
    elif weight == "list-size":
        score = -distance / (size[None, :] / median) ** ALPHA
    else:
        score = -distance
    codes, column = np.unique(practices.pcn, return_inverse=True)
    out = np.full((len(points), len(codes)), -np.inf if weight != "gravity" else 0.0)
    for k in range(len(codes)):
        members = score[:, column == k]
        out[:, k] = members.sum(axis=1) if weight == "gravity" else members.max(axis=1)
    return codes, out


def nearest_pcn(points: np.ndarray, practices: Practices, *, weight: str = "none",
                allowed: list[set[str]] | None = None, beta: float = BETA, floor: float = FLOOR) -> np.ndarray:
    """The best-scoring PCN for each point (see ``pcn_scores``).

    ``allowed`` (one set of PCN codes per point, or an empty set for any) restricts the candidates.
    """
    codes, score = pcn_scores(points, practices, weight, beta=beta, floor=floor)
    if allowed is not None:
        for row, wanted in enumerate(allowed):
            if wanted:
                score[row, ~np.isin(codes, list(wanted))] = -np.inf
    return codes[np.argmax(score, axis=1)]


def registration_shares(registrations: pd.DataFrame, pcn_of: dict[str, str], blocks: list[str]) -> pd.DataFrame:
    """Registered patients per (block, PCN) for ``blocks``, with each PCN's share of the block's mapped patients.

    Practices that are not in the membership (closed or merged since, or outside it) are dropped here.
    """
    rows = registrations[registrations.LSOA_CODE.isin(blocks)].assign(
        PCN_CODE=lambda f: f.PRACTICE_CODE.map(pcn_of))
    shares = rows.dropna(subset=["PCN_CODE"]).groupby(["LSOA_CODE", "PCN_CODE"], as_index=False)["PATIENTS"].sum()
    shares["SHARE"] = shares.PATIENTS / shares.groupby("LSOA_CODE").PATIENTS.transform("sum")
    return shares.sort_values(["LSOA_CODE", "PATIENTS", "PCN_CODE"], ascending=[True, False, True],
                              ignore_index=True)


def modal_pcn(shares: pd.DataFrame) -> pd.Series:
    """Block -> the PCN with the most registered patients there (ties: the lower PCN code)."""
    top = shares[shares.PATIENTS > 0].drop_duplicates("LSOA_CODE")
    return pd.Series(top.PCN_CODE.to_numpy(), index=top.LSOA_CODE.to_numpy(), name="PCN_CODE")


def covered_blocks(registrations: pd.DataFrame, population: pd.Series | None) -> set[str]:
    """Blocks that a (possibly regional) registrations file covers completely (see ``COVERED``)."""
    registered = registrations.groupby("LSOA_CODE").PATIENTS.sum()
    if population is None:
        return set(registered.index[registered > 0])
    ratio = registered / population.reindex(registered.index)
    return set(ratio.index[ratio >= COVERED])


def catchment_shares(blocks, catchments, code: str) -> pd.DataFrame:
    """Share of each block's area covered by each catchment code: LSOA_CODE, PCN_CODE, SHARE."""
    import shapely

    geoms = blocks.geometry.to_numpy()
    polys = catchments.geometry.to_numpy()
    tree = shapely.STRtree(polys)
    left, right = tree.query(geoms, predicate="intersects")
    area = shapely.area(shapely.intersection(geoms[left], polys[right]))
    frame = pd.DataFrame({"LSOA_CODE": blocks.index.to_numpy()[left],
                          "PCN_CODE": catchments[code].astype(str).to_numpy()[right],
                          "SHARE": area / shapely.area(geoms[left])})
    return frame.groupby(["LSOA_CODE", "PCN_CODE"], as_index=False).SHARE.sum()


def by_catchment(blocks, points: np.ndarray, catchments, code: str, practices: Practices,
                 weight: str = "none") -> Assignment:
    """Each block to the catchment PCN covering most of it; ties and uncovered blocks to the nearest practice."""
    known = set(practices.pcn)
    shares = catchment_shares(blocks, catchments, code)
    stale = sorted(set(shares.PCN_CODE) - known)
    shares = shares[shares.PCN_CODE.isin(known) & (shares.SHARE > 1e-6)]
    best = shares.groupby("LSOA_CODE").SHARE.transform("max")
    candidates = shares[best - TIE <= shares.SHARE].groupby("LSOA_CODE").PCN_CODE.agg(set)
    allowed = [candidates.get(b, set()) for b in blocks.index]
    pcn = nearest_pcn(points, practices, weight=weight, allowed=allowed)
    rule = ["catchment" if len(a) == 1 else "catchment+nearest" if a else "nearest" for a in allowed]
    notes = [f"{len(stale)} catchment code(s) not in the membership were ignored: {', '.join(stale)}"] if stale else []
    return Assignment(pd.Series(pcn, index=blocks.index), pd.Series(rule, index=blocks.index), notes=notes)
