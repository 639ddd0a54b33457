"""Place colours: a colour-blind-safe qualitative palette, stable by place name.

Each place name hashes (SHA-1, not Python's salted ``hash``) to a slot of Paul Tol's *light* scheme, a
palette designed for filled areas with dark text on top and distinguishable with the common colour-vision
deficiencies. So a place keeps its colour across options, maps and runs. When two names on one map hash to
the same slot, the later name in alphabetical order takes the next free slot: stable for a given set of
names, and no two places in one map panel share a colour while the palette lasts. On a side-by-side page
a colour may repeat across panels (never within one), so that each place keeps the colour it has alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

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

INK = "#222222"


def slot(name: str, size: int = len(TOL_LIGHT)) -> int:
    """The palette slot a place name hashes to (the same on every machine and run)."""
    digest = hashlib.sha1(name.strip().casefold().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % size


def place_colours(groups: Iterable[Iterable[str]], palette: tuple[str, ...] = TOL_LIGHT) -> dict[str, str]:
    """Name -> colour for every place on one page; ``groups`` are the place names of each panel.

    A name takes its hash slot unless a name sharing a panel with it (earlier in alphabetical order) holds
    that colour; then the next free slot. Names in other panels never push a name off its colour, so a
    place has the same colour alone and side by side with other options.
    """
    groups = [set(g) for g in groups]
    colours: dict[str, int] = {}
    for name in sorted(set().union(*groups)):
        taken = {colours[n] for g in groups if name in g for n in g if n in colours}
        first = slot(name, len(palette))
        order = [(first + k) % len(palette) for k in range(len(palette))]
        colours[name] = next((i for i in order if i not in taken), first)
    return {name: palette[i] for name, i in colours.items()}


def tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white (``amount`` 0 = unchanged, 1 = white): lighter fills for sub-units."""
    from matplotlib.colors import to_hex, to_rgb

    r, g, b = to_rgb(colour)
    return to_hex((r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount))



TOL_YLORBR = ("#FFFFE5", "#FFF7BC", "#FEE391", "#FEC44F", "#FB9A29", "#EC7014", "#CC4C02", "#993404", "#662506")
"""Paul Tol's sequential YlOrBr scheme (https://personal.sron.nl/~pault/): colour-blind safe, light to dark."""


def sequential(n: int, palette: tuple[str, ...] = TOL_YLORBR) -> list[str]:
    """``n`` colours from light to dark along a sequential scheme (interpolated when ``n`` exceeds it)."""
    from matplotlib.colors import LinearSegmentedColormap, to_hex

    if n <= 1:
        return [palette[-1]] * n
    cmap = LinearSegmentedColormap.from_list("placegeo-sequential", list(palette))
    return [to_hex(cmap(i / (n - 1))) for i in range(n)]
