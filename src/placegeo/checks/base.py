"""What a check reports: a :class:`Finding` (id, severity, where), and the table of every check id.

The ids are stable: CI configurations, ``--skip`` and the JUnit test names depend on them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITIES = ("info", "warning", "error")

# check id -> (severity, what it means). The order is the order checks run and are reported in.
CHECKS: dict[str, tuple[str, str]] = {
    "layer-empty": ("error", "the file holds no features"),
    "crs-missing": ("error", "no CRS (e.g. a Shapefile without its .prj); checked as the CRS the coordinates fit"),
    "crs-implausible": ("error", "the CRS does not fit the coordinates (degrees labelled as metres, or the reverse, "
                                 "or outside Great Britain)"),
    "axes-swapped": ("error", "coordinates are (latitude, longitude): the axes are swapped"),
    "geometry-empty": ("error", "a feature has a null or empty geometry"),
    "geometry-non-finite": ("error", "a feature has a NaN or infinite coordinate"),
    "not-polygonal": ("error", "a feature is not a Polygon/MultiPolygon (points, lines, collections)"),
    "not-point": ("error", "a feature of a point layer is not a Point/MultiPoint"),
    "geometry-invalid": ("error", "an invalid polygon (shapely.is_valid_reason gives the reason and the point; "
                                  "the finding says whether make_valid repairs it)"),
    "code-column-missing": ("error", "no column holds the feature codes (or the one named is absent)"),
    "name-column-missing": ("warning", "no column holds the feature names (codes are used as names)"),
    "code-missing": ("error", "a feature has no code"),
    "code-duplicate": ("error", "a code appears on more than one feature"),
    "code-pattern": ("error", "a code does not match the GSS/ODS pattern for the layer's kind (warning when the kind "
                              "is only guessed from the column name)"),
    "coverage-overlap": ("error", "two features overlap (area and a point inside the overlap)"),
    "coverage-gap": ("error", "a hole in the union of the features, inside its outer boundary (area, a point, the "
                              "features around it); a warning when it is a hole inside one feature (water?)"),
    "coverage-edge": ("warning", "shapely coverage validation: edges that do not match their neighbour's, or gaps "
                                 "narrower than --gap-width"),
    "sliver": ("warning", "a polygon part smaller than --sliver-area"),
    "option-syntax": ("error", "an option file cannot be parsed: too big, not UTF-8, not valid YAML/TOML (with the "
                               "line), or it uses YAML aliases"),
    "option-structure": ("error", "an option file breaks the format: not a mapping, an unknown key, a value of the "
                                  "wrong type, no name, no places, or no blocks layer"),
    "option-drawing": ("error", "a drawn option (polygons) that cannot be used as it is: no CRS, invalid or "
                                "non-polygon geometries (the problem compare refuses it for)"),
    "option-place-name": ("error", "a place has no name (or a name that is not text), or two places share one"),
    "option-block-unknown": ("error", "an option names a block that is not in its blocks layer (or one that is "
                                      "ambiguous, or not a code or a name)"),
    "option-block-twice": ("error", "a block is in two places (or twice in one place)"),
    "option-places-overlap": ("error", "two places of an option overlap"),
    "option-footprint-uncovered": ("error", "part of the --footprint is in no place (area and population)"),
    "option-outside-footprint": ("warning", "part of a place lies outside the --footprint"),
    "option-subunits-mismatch": ("error", "a place's sub-units do not tile it (blocks missing or extra)"),
    "option-place-empty": ("error", "a place has no blocks (none listed, or none that resolve)"),
}

LAYER_CHECKS = [c for c in CHECKS if not c.startswith("option-")]
OPTION_CHECKS = [c for c in CHECKS if c.startswith("option-")]


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass
class Finding:
    """One problem: which check, how bad, in which file, at which feature and where (EPSG:27700)."""

    check: str
    file: str
    message: str
    severity: str = ""
    code: str | None = None
    x: float | None = None
    y: float | None = None
    line: int | None = None
    figures: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.check not in CHECKS:
            raise ValueError(f"unknown check id {self.check}")
        if not self.severity:
            self.severity = CHECKS[self.check][0]

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain data for JSON (x and y rounded to 0.1 m)."""
        record = asdict(self)
        for key in ("x", "y"):
            if record[key] is not None:
                record[key] = round(float(record[key]), 1)
        return record


def at(point) -> dict[str, float]:
    """x/y keyword arguments for a Finding from a shapely point (nothing for None or empty)."""
    if point is None or point.is_empty:
        return {}
    return {"x": float(point.x), "y": float(point.y)}


def unit_labels(codes: list[str], names: list[Any] | None) -> list[str]:
    """Units as findings name them: ``Preston (E07000123)``; the code (or row) alone without a name, or
    when the name is the code. ``validate`` and a refused reference layer both name units this way."""
    if names is None:
        return list(codes)
    out = []
    for code, name in zip(codes, names, strict=True):
        text = "" if name is None or name != name else str(name).strip()
        out.append(f"{text} ({code})" if text and text != code else code)
    return out
