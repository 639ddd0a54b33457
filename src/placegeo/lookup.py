"""Best-fit lookups: each small area goes to one large area, and what that costs each large area.

* ``majority``: the large area holding the largest share of the small area's weight (population by
  default, area when the small area has no population).
* ``centroid``: the large area containing the small area's population-weighted centroid (the ONS
  method). The centroid is the population-weighted mean of the centroids of the small area's pieces
  in each LSOA of the population layer (areal weighting inside each LSOA); with no population it is
  the area centroid. A centroid in no large area falls back to ``majority``.

For every large area L_k, with M[i, k] = w(S_i ∩ L_k) and a(i) the chosen large area:

* ``gained`` = sum over small areas assigned to L_k of w(S_i) - M[i, k] (weight brought in from elsewhere)
* ``lost``   = sum over small areas assigned elsewhere of M[i, k] (weight of L_k handed to others)
* ``misallocated_share`` = (gained + lost) / w(L_k), w(L_k) = sum_i M[i, k] (the part the small areas cover)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from placegeo.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from placegeo.layers import Layer

METHODS = ("majority", "centroid")


@dataclass
class BestFit:
    """A best-fit lookup: ``lookup`` one row per small area, ``summary`` one row per large area."""

    method: str
    weight: str
    small: str
    large: str
    lookup: pd.DataFrame   # small_code, small_name, large_code, large_name, share, weight_total
    summary: pd.DataFrame  # large_code, large_name, weight, assigned, gained, lost, misallocated_share


def bestfit(small: Any, large: Any, *, method: str = "majority", weight: str = "population",
            population: Any = None) -> BestFit:
    """Best-fit lookup of ``small`` units to ``large`` units (layer ids, paths, Layers, GeoDataFrames or options).

    Weighed by the one weighing core (:mod:`placegeo.weighing`: exact membership sums when both are unions
    of the same LSOAs), the majority chosen by :func:`placegeo.metrics.best_fit`."""
    import pandas as pd

    from placegeo import metrics
    from placegeo.api import load_reference, weigh_layers

    if method not in METHODS:
        raise UsageError(f"unknown method '{method}'", hint="use majority or centroid")
    if weight not in ("area", "population"):
        raise UsageError(f"unknown weight '{weight}'", hint="use area or population")
    ls, ll = load_reference(small), load_reference(large)
    weighing, matrix = weigh_layers(ls, ll, weight, population)
    population = weighing.pop
    key = "population" if weight == "population" else "area"
    # the pairs that overlap (by area), codes sorted: small areas as rows, large areas as columns
    rows = matrix.values["area"].sum(axis=1) > 0
    cols = matrix.values["area"].sum(axis=0) > 0
    index = np.asarray(matrix.units, dtype=object)[rows]
    columns = np.asarray(matrix.places, dtype=object)[cols]
    m = pd.DataFrame(matrix.values[key][rows][:, cols], index=index, columns=columns).sort_index().sort_index(axis=1)
    area = pd.DataFrame(matrix.values["area"][rows][:, cols], index=index, columns=columns)
    area = area.reindex(index=m.index, columns=m.columns)
    # majority (metrics.best_fit) by weight; small areas with no population fall back to area
    has_weight = np.broadcast_to((m.sum(axis=1).to_numpy() > 0)[:, None], m.shape)
    use = m.where(has_weight, area).to_numpy()
    share = use / np.where(use.sum(axis=1) > 0, use.sum(axis=1), 1.0)[:, None]
    majority = pd.Series(np.asarray(m.columns)[metrics.best_fit(share)[0]], index=m.index)
    chosen = majority
    if method == "centroid":
        pop = population if weight == "population" else None
        chosen = _centroid_choice(ls, ll, pop, majority)
    total = m.sum(axis=1)
    share = pd.Series([m.at[i, k] / total[i] if total[i] > 0 and k in m.columns else 0.0
                       for i, k in chosen.items()], index=chosen.index)
    names_s = dict(zip(ls.codes, ls.names, strict=True))
    names_l = dict(zip(ll.codes, ll.names, strict=True))
    lookup = pd.DataFrame({
        "small_code": chosen.index, "small_name": [names_s.get(c) for c in chosen.index],
        "large_code": chosen.to_numpy(), "large_name": [names_l.get(c) for c in chosen.to_numpy()],
        "share": share.to_numpy(), "weight": total.reindex(chosen.index).to_numpy(),
    })
    summary = misallocation(m, chosen)
    summary.insert(1, "large_name", [names_l.get(c) for c in summary["large_code"]])
    return BestFit(method=method, weight=weight, small=ls.id, large=ll.id, lookup=lookup, summary=summary)


def misallocation(matrix: pd.DataFrame, chosen: pd.Series) -> pd.DataFrame:
    """Per large area: weight, assigned weight, gained, lost and misallocated share (module docstring)."""
    import pandas as pd

    rows = []
    total_small = matrix.sum(axis=1)
    for k in matrix.columns:
        mine = chosen.index[chosen == k]
        others = chosen.index[chosen != k]
        weight = float(matrix[k].sum())
        gained = float((total_small.reindex(mine) - matrix.loc[mine, k]).sum())
        lost = float(matrix.loc[others, k].sum())
        rows.append({"large_code": k, "weight": weight, "assigned": float(total_small.reindex(mine).sum()),
                     "gained": gained, "lost": lost,
                     "misallocated_share": (gained + lost) / weight if weight > 0 else 0.0})
    return pd.DataFrame(rows)


def _centroid_choice(ls: Layer, ll: Layer, pop: Layer | None, majority: pd.Series) -> pd.Series:
    """Large area containing each small area's population-weighted centroid (majority where none does)."""
    import pandas as pd
    import shapely

    from placegeo.overlaps import intersection_areas
    from placegeo.population import atom_arrays

    geoms = np.asarray(ls.frame.geometry.values, dtype=object)
    points = shapely.centroid(geoms)
    if pop is not None:
        pairs = intersection_areas(geoms, np.asarray(pop.frame.geometry.values, dtype=object), geometry=True)
        piece_owner = pairs.left[pairs.piece_pair]
        piece_small = pairs.right[pairs.piece_pair]
        arrays = atom_arrays(pop)[1]
        w = arrays["population"][piece_small] * shapely.area(pairs.piece_geometry) / arrays["area"][piece_small]
        centres = shapely.centroid(pairs.piece_geometry)
        cx, cy = shapely.get_x(centres), shapely.get_y(centres)
        sw = np.bincount(piece_owner, weights=w, minlength=len(geoms))
        px = np.bincount(piece_owner, weights=w * cx, minlength=len(geoms))
        py = np.bincount(piece_owner, weights=w * cy, minlength=len(geoms))
        has = sw > 0
        points = np.where(has, shapely.points(np.divide(px, sw, where=has, out=np.zeros_like(px)),
                                              np.divide(py, sw, where=has, out=np.zeros_like(py))), points)
    large = np.asarray(ll.frame.geometry.values, dtype=object)
    tree = shapely.STRtree(large)
    pi, li = tree.query(points, predicate="intersects")
    codes_s, codes_l = np.asarray(ls.codes), np.asarray(ll.codes)
    found = pd.Series(codes_l[li], index=codes_s[pi])
    found = found[~found.index.duplicated()]
    chosen = majority.copy()
    hit = found.reindex(chosen.index).dropna()
    chosen.loc[hit.index] = hit
    return chosen
