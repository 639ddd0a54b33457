"""The ``placegeo profile`` table: one row per unit, the registry's place-profile figures as columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from placegeo.results import ProfileTable


def profile_frame(table: ProfileTable, *, rounded: bool = False) -> pd.DataFrame:
    """``code``, ``name``, then every figure of :data:`placegeo.registry.PLACE_METRICS` shown in CSV, then the
    sources. ``rounded``: people to whole numbers, shares to 0.1 %, mean score to 0.1 (for a terminal)."""
    import pandas as pd

    from placegeo.registry import PLACE_METRICS, shown_in

    metrics = shown_in("csv", metrics=PLACE_METRICS)
    rows = []
    for unit in table.units:
        row: dict[str, object] = {"code": unit.code, "name": unit.name}
        for m in metrics:
            value = getattr(unit.profile, m.key) if unit.profile is not None else None
            if rounded and value is not None:
                value = _rounded(m.unit, value)
            row[m.key] = value
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["code", "name", *(m.key for m in metrics)])
    frame = frame.dropna(axis=1, how="all")  # a source without scores (IMD 2019) drops the score column
    first = next((u.profile for u in table.units if u.profile is not None), None)
    if not rounded and first is not None:
        frame["imd_source"] = first.imd_source
        frame["population_source"] = first.population_source
        if first.registered_source:
            frame["registered_source"] = first.registered_source
    return frame


def _rounded(unit: str, value: float | int) -> str:
    if unit == "share":
        return f"{100 * value:.1f} %"
    if unit == "people":
        return f"{value:,.0f}"
    if unit == "score":
        return f"{value:.1f}"
    if unit == "rank":
        return f"{value:,.0f}"
    if unit == "ratio":
        return f"{value:.2f}"
    return str(value)


def sources_line(table: ProfileTable) -> str:
    """"Residents: ...; deprivation: ..." for the profiled table (empty without a profile)."""
    first = next((u.profile for u in table.units if u.profile is not None), None)
    if first is None:
        return ""
    bits = [f"residents and ages: {first.population_source} ({table.population_layer})"]
    if first.imd_source:
        bits.append(f"deprivation: {first.imd_source}")
    if first.registered_source:
        bits.append(f"registered patients: {first.registered_source}")
    return "; ".join(bits)
