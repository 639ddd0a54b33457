"""The reference units an option splits, read from the alignment engine's Comparison (placegeo.comparison).

The map shows exactly what ``placegeo compare`` reports: a unit is split when its best-fit share is below
1 - tol by the comparison's primary weight (population when measured, else area), and its label lists
every place holding at least ``tol`` of it (docs/metrics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from placegeo.layers import Layer
    from placegeo.options import Option
    from placegeo.results import Comparison


@dataclass
class SplitUnit:
    """One split reference unit: its code, name, shares per place (largest first) and polygon."""

    code: str
    name: str
    parts: dict[str, float]
    geometry: Any

    def label(self) -> str:
        """The unit's name and its shares, one place a line: 'Lancaster' / '82% Morecambe Bay'..."""
        return "\n".join([self.name, *(f"{share:.0%} {place}" for place, share in self.parts.items())])


def split_units(option: Option, layer: Layer, comparison: Comparison) -> tuple[list[SplitUnit], str]:
    """The units of ``layer`` that ``option`` splits in ``comparison`` (which holds the option against the layer),
    and the weight their shares are of."""
    result = comparison.option(option.name).results[layer.id]
    geoms = layer.frame.set_index(layer.frame[layer.code].astype(str)).geometry
    units = [SplitUnit(code=u.code, name=u.name, parts=dict(u.parts), geometry=geoms.loc[u.code])
             for u in result.split_units]
    return units, comparison.settings.primary
