"""Held-out constants for the nearest-gravity model, chosen and scored on different halves of Pennine Lancashire.

The gravity model (``assign.pcn_scores``, weight ``gravity``) has two constants: the distance exponent ``beta``
and the distance ``floor``. The only public practice x LSOA registrations we hold are Pennine Lancashire's (April
2020, LSOA 2011), so constants tuned and scored there overstate how well the model does anywhere else. Here the
constants are chosen on one half (Blackburn with Darwen, or the rest of Pennine Lancashire, the former East
Lancashire CCG) and scored on the other, then the reverse: two held-out agreements, and their
population-weighted mean (all held-out people placed in the PCN most of them are registered with).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from placegeo.pcn import assign

BLACKBURN = "E06000008"  # Blackburn with Darwen (former NHS Blackburn with Darwen CCG)
EAST_LANCS = ("E07000117", "E07000120", "E07000122", "E07000124", "E07000125")  # Burnley .. Rossendale
HALVES = {"Blackburn with Darwen": (BLACKBURN,), "East Lancashire": EAST_LANCS}
BETAS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
FLOORS = (100.0, 200.0, 300.0, 500.0, 750.0, 1000.0, 1500.0, 2000.0)


@dataclass
class Reference:
    """Pennine LSOAs with a registrations' modal PCN: centroid, population, and which half each is in."""

    codes: np.ndarray
    points: np.ndarray  # (n, 2) EPSG:27700 centroids
    modal: np.ndarray  # PCN code with most registered patients (Oct-2025 membership)
    population: np.ndarray  # mid-2020 residents
    half: np.ndarray  # a key of HALVES


@dataclass
class Fold:
    """Constants chosen on ``train`` and how they score there and on ``test``."""

    train: str
    test: str
    beta: float
    floor: float
    train_share: float
    test_population: int
    test_population_same: int
    test_lsoas: int
    test_lsoas_same: int

    @property
    def test_share(self) -> float:
        return self.test_population_same / self.test_population


@dataclass
class HeldOut:
    """Both folds, every grid point's score per half, and the population-weighted held-out agreement."""

    folds: list[Fold]
    grid: pd.DataFrame  # beta, floor, half, population, population_same, lsoas, lsoas_same, share

    @property
    def share(self) -> float:
        """Held-out people placed in their modal registered PCN, over all held-out people (both folds)."""
        return sum(f.test_population_same for f in self.folds) / sum(f.test_population for f in self.folds)

    @property
    def constants(self) -> tuple[float, float]:
        """(beta, floor) for use elsewhere: the same choice made on both halves together.

        The halves may prefer different constants; the held-out ``share`` is the estimate of how well this
        choice (made on all the registrations there are) does on registrations it has not seen.
        """
        best = choose(self.grid, tuple(HALVES))
        return float(best.beta), float(best.floor)


def gravity_pcn(points: np.ndarray, practices: assign.Practices, beta: float, floor: float) -> np.ndarray:
    """The PCN with the strongest pull on each point: sum of list size / max(distance, floor) ** beta."""
    return assign.nearest_pcn(points, practices, weight="gravity", beta=beta, floor=floor)


def score_grid(reference: Reference, practices: assign.Practices, betas=BETAS, floors=FLOORS) -> pd.DataFrame:
    """Agreement of every (beta, floor) with the registrations' modal PCN, per half."""
    rows = []
    for beta in betas:
        for floor in floors:
            same = gravity_pcn(reference.points, practices, beta, floor) == reference.modal
            for half in HALVES:
                mask = reference.half == half
                rows.append((beta, floor, half, int(reference.population[mask].sum()),
                             int(reference.population[mask & same].sum()), int(mask.sum()), int((mask & same).sum())))
    grid = pd.DataFrame(rows, columns=["beta", "floor", "half", "population", "population_same", "lsoas",
                                       "lsoas_same"])
    grid["share"] = grid.population_same / grid.population
    return grid


def choose(grid: pd.DataFrame, halves: tuple[str, ...]) -> pd.Series:
    """The (beta, floor) that does best over ``halves``: most people agreeing, then most LSOAs, then grid order."""
    rows = grid[grid.half.isin(halves)].groupby(["beta", "floor"], sort=False)[
        ["population", "population_same", "lsoas", "lsoas_same"]].sum().reset_index()
    rows["share"] = rows.population_same / rows.population
    rows["order"] = np.arange(len(rows))
    return rows.sort_values(["population_same", "lsoas_same", "order"], ascending=[False, False, True]).iloc[0]


def held_out(reference: Reference, practices: assign.Practices, betas=BETAS, floors=FLOORS) -> HeldOut:
    """Choose the constants on each half and score them on the other."""
    grid = score_grid(reference, practices, betas, floors)
    folds = []
    for train in HALVES:
        (test,) = [h for h in HALVES if h != train]
        best = choose(grid, (train,))
        scored = grid[(grid.half == test) & (grid.beta == best.beta) & (grid.floor == best.floor)].iloc[0]
        folds.append(Fold(train, test, float(best.beta), float(best.floor), float(best.share),
                          int(scored.population), int(scored.population_same), int(scored.lsoas),
                          int(scored.lsoas_same)))
    return HeldOut(folds, grid)


def pennine_reference(registrations: str | Path, membership: str | Path, blocks: str = "lsoa11") -> Reference:
    """The Pennine LSOAs (bundled ``lsoa11``) with their modal registered PCN under ``membership``."""
    from placegeo.layers import load_layer
    from placegeo.pcn.build import block_points, split_unallocated
    from placegeo.pcn.sources import read_membership, read_registrations

    layer = load_layer(blocks)
    frame = layer.frame.set_index(layer.frame[layer.code].astype(str), drop=False)
    half = pd.Series(None, index=frame.index, dtype=object)
    for name, districts in HALVES.items():
        half[frame.LAD21CD.isin(districts).to_numpy()] = name
    frame = frame[half.notna().to_numpy()]
    members, _ = split_unallocated(read_membership(membership))
    shares = assign.registration_shares(read_registrations(registrations).frame, members.pcn_of, list(frame.index))
    modal = assign.modal_pcn(shares)
    frame = frame.loc[[c for c in frame.index if c in modal.index]]
    return Reference(frame.index.to_numpy(), block_points(frame), modal.reindex(frame.index).to_numpy(),
                     frame[layer.population].to_numpy(dtype=float), half.reindex(frame.index).to_numpy())


def lsc_practices(membership: str | Path, locations: str | Path, list_sizes: str | Path) -> assign.Practices:
    """The practices the L&SC gravity model uses: Oct-2025 membership less 'U', with location and list size."""
    from placegeo.pcn.build import locate, split_unallocated
    from placegeo.pcn.sources import read_list_sizes, read_membership, read_practices

    members, _ = split_unallocated(read_membership(membership))
    return locate(members, read_practices(locations), read_list_sizes(list_sizes), str(locations))


def format_held_out(result: HeldOut) -> list[str]:
    """One line per fold and one for the pooled figure."""
    lines = [f"  constants chosen on {f.train} (beta {f.beta:g}, floor {f.floor:g} m; {f.train_share:.1%} there), "
             f"scored on {f.test}: {f.test_share:.1%} of population ({f.test_population_same:,}/"
             f"{f.test_population:,}; LSOAs {f.test_lsoas_same}/{f.test_lsoas})" for f in result.folds]
    beta, floor = result.constants
    return [*lines, f"  held-out agreement, population-weighted over both halves: {result.share:.1%}",
            f"  constants chosen on both halves together, for use elsewhere: beta {beta:g}, floor {floor:g} m"]
