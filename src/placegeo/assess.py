"""The pure assessment: one overlap :class:`~placegeo.weighing.Matrix` in, one :class:`LayerResult` out.

No file is read and no geometry is touched here: every figure is a function of :mod:`placegeo.metrics`
applied to the matrix (docs/metrics.md). The steps:

1. keep the units that reach into the footprint (:func:`present`);
2. shares and best fit per weight, then the primary weight's best fit (:func:`primary_fit`);
3. one :class:`UnitResult` per unit (:func:`unit_results`), one :class:`PlaceFit` per place
   (:func:`place_fits`), and the matrix in long format (:func:`overlap_rows`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from placegeo import metrics
from placegeo.results import EdgeNoise, LayerResult, OverlapRow, PlaceFit, Settings, UnitResult
from placegeo.weighing import Matrix

Lengths = tuple[np.ndarray, np.ndarray]
"""(internal boundary length, matched length) per place, from :func:`placegeo.boundaries.boundary_lengths`."""


@dataclass
class Fit:
    """Shares and best fits of the units with weight inside F, per weight, and the primary weight's choice."""

    inside: dict[str, np.ndarray]      # w(R_i ∩ F) per weight
    keep: dict[str, np.ndarray]        # rows with some of weight k inside F
    share: dict[str, np.ndarray]       # s[i, j] of the kept rows, per weight
    fit: dict[str, np.ndarray]         # b_i of the kept rows, per weight
    best: np.ndarray                   # j*(i) by the primary weight (area for a unit with none of it inside)
    best_fit: np.ndarray               # b_i by the primary weight
    best_share: np.ndarray             # share rows by the primary weight


def assess(matrix: Matrix, settings: Settings, *, layer: str, place_weights: Mapping[str, np.ndarray],
           footprint: Mapping[str, float], unit_names: Mapping[str, str], lengths: Lengths | None = None,
           coverage: float = 1.0) -> LayerResult:
    """The metrics of docs/metrics.md for one option (the matrix's columns) against one layer (its rows).

    ``place_weights`` are w(P_j) and ``footprint`` w(F) per weight; ``unit_names`` names the units;
    ``lengths`` the places' boundary lengths (None: no boundary match); ``coverage`` the share of the
    footprint the layer covers (reported as it is)."""
    noise = edge_noise(matrix, unit_names)
    matrix = present(matrix, settings.primary)
    fit = primary_fit(matrix, settings.primary)
    units = unit_results(matrix, fit, settings, unit_names)
    places = place_fits(matrix, fit, settings, place_weights, lengths)
    coterminosity = {k: metrics.coterminosity_index(fit.inside[k][fit.keep[k]], fit.fit[k], footprint[k])
                     for k in matrix.values}
    overall = None
    if lengths is not None and lengths[0].sum() > 0:
        overall = float(min(1.0, lengths[1].sum() / lengths[0].sum()))
    return LayerResult(layer=layer, method=matrix.method, coterminosity=coterminosity, boundary_match=overall,
                       units=[u for u in units if not u.outside_only], places=places,
                       overlap=overlap_rows(matrix), outside_units=[u for u in units if u.outside_only],
                       primary=settings.primary, tol=settings.tol, coverage=coverage, noise=noise)


def edge_noise(matrix: Matrix, unit_names: Mapping[str, str] | None = None) -> EdgeNoise:
    """The edge noise the weighing took out of ``matrix`` (all zero on the membership path), with the units
    touched only by noise by code and name (``unit_names``; the code without one), so that they can be checked."""
    found = matrix.noise
    if found is None:
        return EdgeNoise(population=0.0 if "population" in matrix.values else None)
    names = unit_names or {}
    only = [(str(code), str(names.get(code, code))) for code, alone in zip(matrix.units, found.only, strict=True)
            if alone]
    return EdgeNoise(units_only=len(only), units=int((found.area > 0).sum()),
                     area_m2=float(found.area.sum()),
                     population=float(found.population.sum()) if found.population is not None else None,
                     widest_m=float(found.widest.max(initial=0.0)), touched_only=only)


def present(matrix: Matrix, primary: str) -> Matrix:
    """The units that reach into the footprint (by area, or by the primary weight when area is not measured)."""
    gate = matrix.values["area"] if "area" in matrix.values else matrix.values[primary]
    reach = gate.sum(axis=1) > 0
    return matrix if reach.all() else matrix.rows(reach)


def primary_fit(matrix: Matrix, primary: str) -> Fit:
    """Shares and best fit per weight; the primary weight decides each unit's best-fit place, and a unit
    with none of the primary weight inside F (an empty sliver) falls back to area."""
    n = len(matrix.units)
    inside = {k: metrics.in_footprint(m) for k, m in matrix.values.items()}
    keep, share, best, fit = {}, {}, {}, {}
    for k, m in matrix.values.items():
        share[k], keep[k] = metrics.shares(m)
        best[k], fit[k] = metrics.best_fit(share[k])
    prim_best = np.zeros(n, dtype=np.int64)
    prim_fit = np.full(n, np.nan)
    prim_share = np.zeros((n, len(matrix.places)))
    sources = [primary] + (["area"] if primary != "area" and "area" in matrix.values else [])
    for k in reversed(sources):
        prim_best[keep[k]], prim_fit[keep[k]], prim_share[keep[k]] = best[k], fit[k], share[k]
    return Fit(inside, keep, share, fit, prim_best, prim_fit, prim_share)


def unit_results(matrix: Matrix, fit: Fit, settings: Settings, unit_names: Mapping[str, str]) -> list[UnitResult]:
    """One UnitResult per row: inside, total, outside, shares, best fit, whole / split, people moving."""
    tol = settings.tol
    keys = list(matrix.values)
    place_names = matrix.places
    moving = {k: metrics.moving(m, fit.best).tolist() for k, m in matrix.values.items()}
    outside = {k: metrics.outside_share(fit.inside[k], matrix.totals[k]).tolist() for k in keys}
    by = by_weight(matrix, settings.primary)  # the weight deciding each unit: primary, else area
    whole = ~metrics.is_split(whole_unit_shares(matrix, by), tol)
    only = np.zeros(len(matrix.units), dtype=bool)
    for k in set(by.tolist()):
        rows = by == k
        only[rows] = metrics.outside_only({k: fit.inside[k][rows]}, {k: matrix.totals[k][rows]}, tol)
    only_l = only.tolist()
    by_l = by.tolist()
    inside = {k: v.tolist() for k, v in fit.inside.items()}
    totals = {k: v.tolist() for k, v in matrix.totals.items()}
    shares: dict[str, dict[int, dict[str, float]]] = {}
    for k in keys:  # unit -> {place: share > 0}, for the units with weight k inside F (from the cells > 0
        rows = np.flatnonzero(fit.keep[k])  # only: no units x places list of a big layer is ever built)
        shares[k] = {i: {} for i in rows.tolist()}
        r, c = np.nonzero(fit.share[k] > 0)
        for i, j, v in zip(rows[r].tolist(), c.tolist(), fit.share[k][r, c].tolist(), strict=True):
            shares[k][i][place_names[j]] = v
    best_l, fit_l, whole_l = fit.best.tolist(), fit.best_fit.tolist(), whole.tolist()
    units = []
    for i, code in enumerate(matrix.units):
        is_whole = bool(whole_l[i])
        best_name = place_names[best_l[i]]
        units.append(UnitResult(
            code=str(code), name=unit_names.get(code, str(code)),
            inside={k: inside[k][i] for k in keys},
            total={k: totals[k][i] for k in keys},
            outside={k: outside[k][i] for k in keys},
            shares={k: shares[k][i] for k in keys if i in shares[k]},
            best_fit=best_name, fit=fit_l[i], whole=is_whole,
            parts=metrics.unit_shares(dict(zip(place_names, matrix.values[by_l[i]][i].tolist(), strict=True)),
                                      totals[by_l[i]][i]) if not is_whole else {best_name: 1.0},
            moving={k: moving[k][i] for k in keys},
            outside_only=bool(only_l[i]),
        ))
    return units


def by_weight(matrix: Matrix, primary: str) -> np.ndarray:
    """Per unit, the weight that decides it: ``primary``, or area for a unit without any of it (w(R_i) = 0)."""
    if primary == "area" or "area" not in matrix.values:
        return np.full(len(matrix.units), primary, dtype=object)
    return np.where(matrix.totals[primary] > 0, primary, "area").astype(object)


def whole_unit_shares(matrix: Matrix, by: np.ndarray) -> np.ndarray:
    """w(R_i ∩ P_j) / w(R_i) by each unit's deciding weight ``by`` (the share of the inside part when w(R_i) = 0)."""
    out = np.zeros((len(matrix.units), len(matrix.places)))
    for k in set(by.tolist()):
        rows = by == k
        m = matrix.values[k][rows]
        total = matrix.totals[k][rows]
        whole = np.where(total > 0, total, m.sum(axis=1))
        out[rows] = np.divide(m, whole[:, None], out=np.zeros_like(m), where=whole[:, None] > 0)
    return out


def place_fits(matrix: Matrix, fit: Fit, settings: Settings, place_weights: Mapping[str, np.ndarray],
               lengths: Lengths | None) -> list[PlaceFit]:
    """Per place: exactness (Jaccard) against the units whose best fit it is, coterminous or not, boundary match."""
    keys = list(matrix.values)
    best_l = fit.best.tolist()
    jacc = {k: metrics.exactness(m, fit.best, place_weights[k]).tolist() for k, m in matrix.values.items()}
    places = []
    for j, name in enumerate(matrix.places):
        match = metrics.boundary_match(lengths[1][j], lengths[0][j]) if lengths is not None else None
        places.append(PlaceFit(
            name=name, exactness={k: jacc[k][j] for k in keys},
            coterminous=bool(metrics.is_coterminous(jacc[settings.primary][j], settings.tol)),
            boundary_match=match,
            best_fit_units=[str(matrix.units[i]) for i in range(len(matrix.units)) if best_l[i] == j],
        ))
    return places


def overlap_rows(matrix: Matrix) -> list[OverlapRow]:
    """The matrix M in long format: one row per (unit, place) with a positive overlap."""
    area = matrix.values.get("area")
    popm = matrix.values.get("population")
    base = area if area is not None else popm
    assert base is not None
    ui, pj = np.nonzero(base > 0)
    a = area[ui, pj].tolist() if area is not None else [float("nan")] * len(ui)
    p = popm[ui, pj].tolist() if popm is not None else [None] * len(ui)
    return [OverlapRow(unit=str(matrix.units[u]), place=str(matrix.places[j]), area_m2=x, population=y)
            for u, j, x, y in zip(ui.tolist(), pj.tolist(), a, p, strict=True)]
