"""Edge noise (docs/metrics.md): the geometric rule, as pure functions on polygons.

A piece of R_i ∩ P_j (one connected polygon of the intersection) is **edge noise** when it lies entirely
within ``snap`` metres of P_j's boundary: a strip along a shared edge, or a spike of a different
generalisation. The piece lies inside P_j, so it is within ``snap`` of P_j's boundary exactly when it misses
P_j shrunk by ``snap`` (``P_j.buffer(-snap)``): one prepared ``intersects`` per piece, after one negative
buffer per place. What noise does to the overlap matrix is :func:`placegeo.metrics.without_noise`.

At the metrics layer: no file is read and nothing is weighed here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

WIDTH_TOLERANCE = 0.5
"""Metres: how closely the widest strip (:func:`strip_widths`) is measured."""


def shrunk(places: Any, snap: float) -> np.ndarray:
    """Each place shrunk by ``snap`` metres (empty where the place is nowhere wider than 2 × snap), prepared."""
    import shapely

    inner = shapely.buffer(np.asarray(places, dtype=object), -float(snap))
    shapely.prepare(inner)
    return np.asarray(inner, dtype=object)


def is_edge_noise(pieces: Any, place_of_piece: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """True for each piece lying entirely within snap of its place's boundary: it does not reach the place
    shrunk by snap (``inner`` from :func:`shrunk`, indexed by ``place_of_piece``). Empty pieces are not noise."""
    import shapely

    pieces = np.asarray(pieces, dtype=object)
    if not len(pieces):
        return np.zeros(0, dtype=bool)
    reaches = np.asarray(shapely.intersects(inner[np.asarray(place_of_piece, dtype=np.int64)], pieces), dtype=bool)
    noise: np.ndarray = ~reaches & ~np.asarray(shapely.is_empty(pieces), dtype=bool)
    return noise


def strip_widths(pieces: Any, tolerance: float = WIDTH_TOLERANCE) -> np.ndarray:
    """Width of each strip: the diameter of the largest circle inside it (2 × the radius of its maximum
    inscribed circle, to ``tolerance`` metres). A strip within snap of an edge is at most 2 × snap wide."""
    import shapely

    pieces = np.asarray(pieces, dtype=object)
    if not len(pieces):
        return np.zeros(0)
    return 2.0 * np.asarray(shapely.length(shapely.maximum_inscribed_circle(pieces, tolerance)), dtype=float)
