"""Checks on one layer's CRS, geometries, columns and codes.

Each function takes what it needs and returns findings (plus, for the CRS and geometry checks, the frame or
geometries fixed up just enough that the later checks can still run and say something useful).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from placegeo.checks.base import Finding, at
from placegeo.checks.gss import PATTERNS, bad_codes
from placegeo.layers import POLYGONAL, crs_problem, current_reading, non_finite, polygonal_part

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np

POINTS = {"Point", "MultiPoint"}
TYPE_IDS = {"Point": 0, "LineString": 1, "LinearRing": 2, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5,
            "MultiPolygon": 6, "GeometryCollection": 7}  # shapely.get_type_id
_REASON_POINT = re.compile(r"\[([-0-9.eE+]+) ([-0-9.eE+]+)\]")


def _looks_like_degrees(frame: gpd.GeoDataFrame) -> bool:
    bounds = frame.geometry.total_bounds
    return bool(max(abs(float(v)) for v in bounds) <= 180)


def check_crs(frame: gpd.GeoDataFrame, file: str) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """CRS present and fitting the coordinates. Returns the frame relabelled (or axes swapped) as it must have
    been meant, so that the other checks still run, and the findings that say so."""
    import numpy as np
    import shapely

    findings: list[Finding] = []
    if not np.all(np.isfinite(frame.geometry.total_bounds)):
        return (frame if frame.crs is not None else frame.set_crs("EPSG:27700")), findings
    if frame.crs is None and current_reading().crs:  # --crs says what a file without one is in
        frame = frame.set_crs(current_reading().crs)
    if frame.crs is None:
        guess = "EPSG:4326" if _looks_like_degrees(frame) else "EPSG:27700"
        findings.append(Finding("crs-missing", file, f"has no CRS (a Shapefile without its .prj?); the coordinates "
                                f"look like {guess}, so the other checks read it as that (say which with --crs "
                                f"{guess})"))
        frame = frame.set_crs(guess)
    for _ in range(2):  # a second pass catches e.g. lat/lon labelled as metres: first relabel, then swap
        problem = crs_problem(frame)
        if not problem:
            break
        if "swapped" in problem:
            findings.append(Finding("axes-swapped", file, problem + "; the other checks swap them back"))
            geoms = shapely.transform(frame.geometry.values, lambda xy: xy[:, ::-1])
            frame = frame.set_geometry(geoms, crs=frame.crs)
            continue
        if "look like degrees" in problem:
            frame = frame.set_crs("EPSG:4326", allow_override=True)
            problem += "; the other checks read it as EPSG:4326"
        elif "look like metres" in problem:
            frame = frame.set_crs("EPSG:27700", allow_override=True)
            problem += "; the other checks read it as EPSG:27700"
        findings.append(Finding("crs-implausible", file, problem))
        if "outside" in problem:
            break
    return frame, findings


def check_geometries(geoms: np.ndarray, codes: list[str], file: str, *, points: bool = False
                     ) -> tuple[np.ndarray, list[Finding]]:
    """Null/empty, wrong type and invalid geometries, in the file's own coordinates.

    Returns geometries for the later checks: polygonal and valid (make_valid's polygon parts for invalid ones),
    None where nothing usable is left. Finding locations here are in the file's CRS; the caller moves them to
    EPSG:27700.
    """
    import numpy as np
    import shapely

    findings: list[Finding] = []
    usable = geoms.copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for i in missing.nonzero()[0]:
        findings.append(Finding("geometry-empty", file, "has a null or empty geometry", code=codes[i]))
        usable[i] = None
    for i in non_finite(geoms).nonzero()[0]:
        if usable[i] is not None:
            findings.append(Finding("geometry-non-finite", file, "has a NaN or infinite coordinate", code=codes[i]))
            usable[i] = None
    wanted = POINTS if points else POLYGONAL
    ids = [TYPE_IDS[name] for name in wanted]
    for i in np.flatnonzero(~np.isin(shapely.get_type_id(np.asarray(geoms, dtype=object)), ids)):  # the odd ones
        geom = geoms[i]
        if usable[i] is None or geom.geom_type in wanted:
            continue
        if points:
            findings.append(Finding("not-point", file, f"is a {geom.geom_type} in a point layer", code=codes[i],
                                    **at(shapely.point_on_surface(geom))))
            usable[i] = None
            continue
        kept = polygonal_part(geom) if geom.geom_type == "GeometryCollection" else shapely.Polygon()
        note = "; its polygon parts are kept for the other checks" if not kept.is_empty else ""
        findings.append(Finding("not-polygonal", file, f"is a {geom.geom_type}, not a polygon{note}", code=codes[i],
                                **at(shapely.point_on_surface(geom))))
        usable[i] = kept if not kept.is_empty else None
    if points:
        return usable, findings
    present = shapely.is_geometry(usable)
    invalid = present.copy()
    invalid[present] = ~_is_valid(usable[present].astype(object))
    for i in invalid.nonzero()[0]:
        geom = usable[i]
        reason = shapely.is_valid_reason(geom)
        repaired = polygonal_part(geom)
        fixable = not repaired.is_empty and repaired.is_valid
        match = _REASON_POINT.search(reason)
        if match:
            where = {"x": float(match.group(1)), "y": float(match.group(2))}
        else:
            where = at(None if repaired.is_empty else shapely.point_on_surface(repaired))
        kind = reason.split("[")[0]
        figures = {"reason": kind, "repairable": fixable}
        repair = "make_valid repairs it" if fixable else "make_valid does not repair it"
        findings.append(Finding("geometry-invalid", file, f"invalid geometry: {kind}; {repair}", code=codes[i],
                                figures=figures, **where))
        usable[i] = repaired if fixable else None
    return usable, findings


def _is_valid(geoms: np.ndarray) -> np.ndarray:
    """``shapely.is_valid``, in halves on the worker threads for a large layer (GEOS releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import shapely

    from placegeo.overlaps import workers

    threads = workers()
    if threads < 2 or len(geoms) < 4000:
        return shapely.is_valid(geoms)
    with ThreadPoolExecutor(threads) as pool:
        return np.concatenate(list(pool.map(shapely.is_valid, np.array_split(geoms, 2 * threads))))


def check_columns(frame: gpd.GeoDataFrame, file: str, code: str | None, name: str | None
                  ) -> tuple[str | None, str | None, list[Finding]]:
    """Find the code and name columns (the ones named, else the first that look right)."""
    from placegeo.errors import LayerError
    from placegeo.layers import _column, _looks_like_code, _looks_like_name

    findings: list[Finding] = []
    found: list[str | None] = []
    for wanted, what, looks, check in ((code, "code", _looks_like_code, "code-column-missing"),
                                       (name, "name", _looks_like_name, "name-column-missing")):
        try:
            found.append(_column(frame, wanted, file, what, looks))
        except LayerError as err:
            findings.append(Finding(check, file, err.message + (f" ({err.hint})" if err.hint else "")))
            found.append(None)
    return found[0], found[1], findings


def check_codes(values: list, points: list, file: str, column: str, kind: str | None, kind_source: str
                ) -> list[Finding]:
    """Codes present, unique, and matching the pattern of the layer's kind (rows counted from 1)."""
    findings: list[Finding] = []
    if all(type(v) is str for v in values):  # the usual case: blank is empty once stripped
        texts = [v.strip() for v in values]
    else:
        texts = ["" if _blank(v) else str(v).strip() for v in values]
    for i, text in enumerate(texts):
        if not text:
            findings.append(Finding("code-missing", file, f"row {i + 1} has no {column}", figures={"row": i + 1},
                                    **at(points[i])))
    rows: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        if text:
            rows.setdefault(text, []).append(i)
    for text, where in rows.items():
        if len(where) > 1:
            findings.append(Finding("code-duplicate", file, f"{column} {text} appears {len(where)} times "
                                    f"(rows {', '.join(str(i + 1) for i in where[:5])})", code=text,
                                    figures={"count": len(where), "rows": [i + 1 for i in where]},
                                    **at(points[where[1]])))
    if kind in PATTERNS:
        present = [i for i, t in enumerate(texts) if t]
        severity = "warning" if kind_source == "column" else "error"
        expected = PATTERNS[kind][1]
        for j in bad_codes([texts[i] for i in present], kind):
            i = present[j]
            findings.append(Finding("code-pattern", file, f"{texts[i]} is not a {kind} code ({expected}; kind from "
                                    f"the {kind_source})", code=texts[i], severity=severity, **at(points[i])))
    return findings


def _blank(value) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        if pd.isna(value):
            return True
    except (TypeError, ValueError):
        pass
    return not str(value).strip()
