"""Place colours: a colour-blind-safe qualitative palette, coloured by adjacency, stable on a page.

Places are coloured as a graph: two places that touch in any panel (within :data:`TOUCH_M`) never share a
colour; places in one panel differ while the palette lasts; places in different panels of one page differ
wherever the palette allows. A place keeps one colour wherever it appears on a page (side-by-side panels,
every map of a report): places are the same when they have the same name or the same footprint. Each name
first tries the slot its name hashes to (SHA-1, not Python's salted ``hash``), so a place's colour is stable
across runs and, where its neighbours allow, across maps. Colours come from Paul Tol's *light* scheme, designed
for filled areas with dark text on top and distinguishable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

TOL_LIGHT = (
    "#77AADD",  # light blue
    "#EE8866",  # orange
    "#44BB99",  # mint
    "#FFAABB",  # pink
    "#BBCC33",  # pear
    "#99DDFF",  # light cyan
    "#EEDD88",  # light yellow
    "#AAAA00",  # olive
)
"""Paul Tol's 'light' qualitative scheme (https://personal.sron.nl/~pault/), pale grey left out for context.

Ordered so that neighbouring slots differ most (a collision moves a name to the next slot), with the two
yellow-greens (pear, olive) three slots apart."""

SIMILAR = frozenset({("#BBCC33", "#AAAA00"), ("#77AADD", "#99DDFF"), ("#EEDD88", "#AAAA00"), ("#EEDD88", "#BBCC33")})
"""Pairs of the palette close enough that neighbours avoid them too (the yellow-greens; light blue and cyan)."""

INK = "#222222"


def slot(name: str, size: int = len(TOL_LIGHT)) -> int:
    """The palette slot a place name hashes to (the same on every machine and run)."""
    digest = hashlib.sha1(name.strip().casefold().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % size


TOUCH_M = 25.0
"""Places closer than this (metres) are neighbours: shared edges, corners, and the slivers of a user's file."""

SAME_FOOTPRINT = 0.001
"""Two footprints are the same place when they differ by less than this share of the larger one's area."""


def place_colours(groups: Iterable[Iterable[str]], palette: tuple[str, ...] = TOL_LIGHT, *,
                  adjacent: Iterable[tuple[str, str]] = (), alike: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """Name -> colour for every place on one page; ``groups`` are the place names of each panel.

    ``adjacent``: pairs of names that touch (never the same colour while the palette has room, which an
    adjacency graph of a map always leaves: it is coloured smallest-last, so no place has more than five
    coloured neighbours when it is coloured). ``alike``: pairs of names that are one place (same footprint),
    which share a colour. Then names in one panel differ, then names anywhere on the page, then each name
    keeps its hash slot (or the nearest free one after it).
    """
    groups = [list(dict.fromkeys(g)) for g in groups]
    names = sorted({n for g in groups for n in g})
    parent = {n: n for n in names}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for a, b in alike:
        if a in parent and b in parent:
            ra, rb = sorted((root(a), root(b)))
            parent[rb] = ra
    keys = sorted({root(n) for n in names})
    touching: dict[str, set[str]] = {k: set() for k in keys}
    for a, b in adjacent:
        if a in parent and b in parent and root(a) != root(b):
            touching[root(a)].add(root(b))
            touching[root(b)].add(root(a))
    panels_of: dict[str, list[int]] = {k: [] for k in keys}
    for p, g in enumerate(groups):
        for k in {root(n) for n in g}:
            panels_of[k].append(p)
    in_panel = [[0] * len(palette) for _ in groups]  # colour counts per panel and on the page: no n² loops
    on_page = [0] * len(palette)
    colours: dict[str, int] = {}
    for key in _smallest_last(touching):
        first = slot(key, len(palette))
        near = [colours[n] for n in touching[key] if n in colours]

        def cost(i: int, near: list[int] = near, key: str = key, first: int = first) -> tuple[int, ...]:
            return (near.count(i), sum(_similar(palette[i], palette[c]) for c in near),
                    sum(in_panel[p][i] for p in panels_of[key]), on_page[i], (i - first) % len(palette))

        colours[key] = chosen = min(range(len(palette)), key=cost)
        on_page[chosen] += 1
        for p in panels_of[key]:
            in_panel[p][chosen] += 1
    return {name: palette[colours[root(name)]] for name in names}


def _similar(a: str, b: str) -> bool:
    return (a, b) in SIMILAR or (b, a) in SIMILAR


def _smallest_last(graph: dict[str, set[str]]) -> list[str]:
    """The vertices in smallest-last order (Matula and Beck): each has few neighbours coloured before it.

    Ties go to the name first in alphabetical order, so the order (and the colours) are stable."""
    import heapq

    degree = {k: len(v) for k, v in graph.items()}
    heap = [(d, k) for k, d in degree.items()]
    heapq.heapify(heap)
    left = set(graph)
    removed: list[str] = []
    while heap:
        d, key = heapq.heappop(heap)
        if key not in left or d != degree[key]:
            continue  # a stale entry: the vertex went, or its degree fell since
        removed.append(key)
        left.discard(key)
        for n in graph[key]:
            if n in left:
                degree[n] -= 1
                heapq.heappush(heap, (degree[n], n))
    return removed[::-1]


def page_colours(panels: Sequence[Mapping[str, Any]], palette: tuple[str, ...] = TOL_LIGHT) -> dict[str, str]:
    """Name -> colour for the places of every panel of a page (``panels``: place name -> footprint each).

    Neighbours (within :data:`TOUCH_M` in a panel) and footprints that are the same place (across panels) are
    found from the geometry itself; :func:`place_colours` does the rest."""
    from placegeo.render.shapes import same_footprints, touching_pairs

    adjacent = [pair for panel in panels for pair in touching_pairs(panel, TOUCH_M)]
    alike = same_footprints(panels, SAME_FOOTPRINT)
    return place_colours([list(p) for p in panels], palette, adjacent=adjacent, alike=alike)


def tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white (``amount`` 0 = unchanged, 1 = white), or with black for a negative
    ``amount`` (a shade): the fills of sub-units, each recognisably its place's colour."""
    from matplotlib.colors import to_hex, to_rgb

    rgb = to_rgb(colour)
    if amount < 0:
        return to_hex(tuple(c * (1 + amount) for c in rgb))
    return to_hex(tuple(c + (1 - c) * amount for c in rgb))



TOL_YLORBR = ("#FFFFE5", "#FFF7BC", "#FEE391", "#FEC44F", "#FB9A29", "#EC7014", "#CC4C02", "#993404", "#662506")
"""Paul Tol's sequential YlOrBr scheme (https://personal.sron.nl/~pault/): colour-blind safe, light to dark."""


def sequential(n: int, palette: tuple[str, ...] = TOL_YLORBR) -> list[str]:
    """``n`` colours from light to dark along a sequential scheme (interpolated when ``n`` exceeds it)."""
    from matplotlib.colors import LinearSegmentedColormap, to_hex

    if n <= 1:
        return [palette[-1]] * n
    cmap = LinearSegmentedColormap.from_list("placegeo-sequential", list(palette))
    return [to_hex(cmap(i / (n - 1))) for i in range(n)]
