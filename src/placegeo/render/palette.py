"""Place colours: a colour-blind-safe qualitative palette, stable by place name.

Each place name hashes (SHA-1, not Python's salted ``hash``) to a slot of Paul Tol's *light* scheme, a
palette designed for filled areas with dark text on top and distinguishable with the common colour-vision
deficiencies. So a place keeps its colour across options, maps and runs. When two names on one map hash to
the same slot, the later name in alphabetical order takes the next free slot: stable for a given set of
names, and no two places on a map share a colour while the palette lasts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

TOL_LIGHT = (
    "#77AADD",  # light blue
    "#EE8866",  # orange
    "#EEDD88",  # light yellow
    "#FFAABB",  # pink
    "#99DDFF",  # light cyan
    "#44BB99",  # mint
    "#BBCC33",  # pear
    "#AAAA00",  # olive
)
"""Paul Tol's 'light' qualitative scheme (https://personal.sron.nl/~pault/), pale grey left out for context."""

CONTEXT = "#DDDDDD"
INK = "#222222"


def slot(name: str, size: int = len(TOL_LIGHT)) -> int:
    """The palette slot a place name hashes to (the same on every machine and run)."""
    digest = hashlib.sha1(name.strip().casefold().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % size


def place_colours(names: Iterable[str], palette: tuple[str, ...] = TOL_LIGHT) -> dict[str, str]:
    """Name -> colour for every place on one map (or one side-by-side page)."""
    colours: dict[str, str] = {}
    used: set[int] = set()
    for name in sorted(set(names)):
        index = slot(name, len(palette))
        if len(used) < len(palette):
            while index in used:
                index = (index + 1) % len(palette)
        used.add(index)
        colours[name] = palette[index]
    return colours


def tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white (``amount`` 0 = unchanged, 1 = white): lighter fills for sub-units."""
    from matplotlib.colors import to_hex, to_rgb

    r, g, b = to_rgb(colour)
    return to_hex((r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount))


def shade(colour: str, amount: float) -> str:
    """``colour`` mixed with black: darker outlines in the place's own hue."""
    from matplotlib.colors import to_hex, to_rgb

    r, g, b = to_rgb(colour)
    return to_hex((r * (1 - amount), g * (1 - amount), b * (1 - amount)))
