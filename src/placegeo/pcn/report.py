"""Plain-text summary of a PCN build: what was written, agreement with registrations, caveats."""

from __future__ import annotations

from pathlib import Path

from placegeo.pcn.build import PcnBuild


def format_agreement(agreement: dict[str, dict]) -> list[str]:
    """One line per method: share of reference LSOAs and of their population given the same PCN."""
    if not agreement:
        return []
    first = next(iter(agreement.values()))
    lines = [f"Agreement with registrations (modal PCN of registered patients, {first['lsoas']} LSOAs"
             + (f", population {first['population']:,}" if "population" in first else "") + "):"]
    width = max(len(k) for k in agreement)
    for label, fig in agreement.items():
        pop = (f"  population {fig['population_share']:6.1%} ({fig['population_same']:,})"
               if fig.get("population_share") is not None else "")
        lines.append(f"  {label:<{width}}  LSOAs {fig['lsoa_share']:6.1%} ({fig['lsoas_same']}/{fig['lsoas']}){pop}")
    return lines


def format_build(build: PcnBuild, out: str | Path) -> str:
    """What `placegeo pcn build` prints."""
    frame = build.frame
    vintage = build.membership.vintage or "unknown (no EXTRACT_DATE)"
    lines = [f"Wrote {len(frame)} PCN footprints to {out} (method {build.method}, membership vintage {vintage}; "
             f"{int(frame.LSOA_COUNT.sum())} LSOAs)."]
    lines += format_agreement(build.agreement)
    report = build.practices
    if report is not None and len(report):
        outside = int((report.BLOCK.isna()).sum())
        lines.append(f"{len(report)} practice(s) are not inside their own PCN's footprint ({outside} outside the "
                     f"footprint): {', '.join(report.PRACTICE_CODE.head(12))}{' ...' if len(report) > 12 else ''}")
    lines += [f"Note: {note}" for note in build.notes]
    return "\n".join(lines)
