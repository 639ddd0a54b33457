"""The reference units an option splits, read from the alignment engine's Comparison (placegeo.comparison).

The map shows exactly what ``placegeo compare`` reports: a unit is split when its best-fit share is below
1 - tol by the comparison's primary weight (population when measured, else area), and its label lists
every place holding at least ``tol`` of it (docs/metrics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from placegeo.comparison import Comparison
    from placegeo.layers import Layer
    from placegeo.options import Option


@dataclass
class SplitUnit:
    """One split reference unit: its code, name, shares per place (largest first) and polygon."""

    code: str
    name: str
    parts: dict[str, float]
    geometry: Any
    weight: str = "population"

    def label(self) -> str:
        """The unit's name and its shares, one place a line: 'Lancaster' / '82% Morecambe Bay'..."""
        return "\n".join([self.name, *(f"{share:.0%} {place}" for place, share in self.parts.items())])


def split_units(option: Option, layer: Layer, *, tol: float | None = None,
                comparison: Comparison | None = None) -> tuple[list[SplitUnit], str]:
    """The units of ``layer`` that ``option`` splits, and the weight their shares are of.

    Uses ``comparison`` when it already holds this option against this layer, else computes one.
    """
    from placegeo.comparison import compare
    from placegeo.metrics import DEFAULT_TOL

    result = None
    if comparison is not None:
        try:
            result = comparison.option(option.name).results.get(layer.id)
        except KeyError:
            result = None
    if result is None:
        comparison = compare([option], [layer], weight="both", tol=DEFAULT_TOL if tol is None else tol,
                             boundary=False)
        result = comparison.options[0].results[layer.id]
    geoms = layer.frame.set_index(layer.frame[layer.code].astype(str)).geometry
    units = [SplitUnit(code=u.code, name=u.name, parts=dict(u.parts), geometry=geoms.loc[u.code],
                       weight=comparison.settings.primary) for u in result.split_units]
    return units, comparison.settings.primary
