"""Coverage checks: do a layer's polygons tile (no overlaps, no holes, matching edges), and slivers.

All in EPSG:27700 metres. Overlaps are found pairwise (STRtree candidates, then a DE-9IM test that the
interiors meet, then the intersection); gaps are the holes of the union inside its outer boundary;
``shapely.coverage_invalid_edges`` adds the edge-by-edge view with a gap width.

:func:`coverage_findings` runs the three. It asks ``shapely.coverage_invalid_edges`` first, and only about
the polygons whose segments are not all matched one for one with a neighbour's (found with numpy,
:mod:`placegeo.checks.segments`; GEOS returns nothing for the others): when every edge matches (a valid
coverage, as published boundary layers are), nothing overlaps, so the pairwise overlap search is skipped, and
the union is needed only when the outline shows a hole, and then is ``shapely.coverage_union_all`` (about ten
times faster than ``union_all``). An invalid coverage gets the full checks, so its findings are the same
either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from placegeo.checks.base import Finding, at

if TYPE_CHECKING:
    import numpy as np

MIN_AREA_M2 = 0.01  # overlaps and gaps smaller than this are floating-point noise, not data
CHUNKED_FROM = 4000  # layers with at least this many polygons have their edges checked in chunks, on threads


@dataclass(frozen=True)
class CoverageValidity:
    """``shapely.coverage_is_valid`` on a layer and, when it fails, how much edge does not match."""

    valid: bool
    features_with_invalid_edges: int = 0
    invalid_edge_length_m: float = 0.0

    def describe(self) -> str:
        """The result in words (the bundled catalogue's notes quote it)."""
        if self.valid:
            return "shapely.coverage_is_valid: True (no overlaps, shared edges match vertex for vertex)"
        return (
            f"shapely.coverage_is_valid: False ({self.features_with_invalid_edges} features have invalid "
            f"edges, {self.invalid_edge_length_m / 1000:,.1f} km of edge in all)"
        )


def coverage_validity(geoms: Iterable[Any]) -> CoverageValidity:
    """Whether polygons form a valid coverage (no overlaps, shared edges match vertex for vertex) and, if not,
    how many features have edges that do not match a neighbour's and how long those edges are."""
    import numpy as np
    import shapely

    geoms = np.asarray(list(geoms), dtype=object)
    if shapely.coverage_is_valid(geoms):
        return CoverageValidity(True)
    edges = shapely.coverage_invalid_edges(geoms)
    bad = ~shapely.is_empty(edges)
    return CoverageValidity(False, int(bad.sum()), float(shapely.length(edges[bad]).sum()))


def check_overlaps(geoms: np.ndarray, codes: list[str], file: str, check: str = "coverage-overlap",
                   what: str = "overlaps", names: list[str] | None = None) -> tuple[list[Finding], dict[str, Any]]:
    """One finding per overlapping pair, with the overlap's area and a point inside it. ``names`` are the
    units as the messages name them (``Preston (E07000123)``; the codes by default)."""
    import shapely

    findings = []
    kept = []
    for a, b, piece in overlap_pieces(geoms):
        kept.append(piece)
        findings.append(overlap_finding(a, b, piece, codes, file, check, what, names=names))
    covered_twice = float(shapely.union_all(kept).area) if kept else 0.0
    summary = {"overlap_pairs": len(findings), "overlap_area_km2": round(covered_twice / 1e6, 6),
               "overlap_pairwise_sum_km2": round(float(sum(f.figures["area_m2"] for f in findings)) / 1e6, 6)}
    return findings, summary


def overlap_pieces(geoms: np.ndarray) -> list[tuple[int, int, Any]]:
    """(a, b, a ∩ b) for every pair of features whose interiors meet by at least MIN_AREA_M2 (a < b)."""
    import shapely

    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    interiors = shapely.relate_pattern(geoms[left], geoms[right], "2********")
    left, right = left[interiors], right[interiors]
    pieces = shapely.intersection(geoms[left], geoms[right])
    areas = shapely.area(pieces)
    return [(int(a), int(b), piece) for a, b, piece, area in zip(left, right, pieces, areas, strict=True)
            if area >= MIN_AREA_M2]


def overlap_finding(a: int, b: int, piece: Any, codes: list[str], file: str, check: str = "coverage-overlap",
                    what: str = "overlaps", names: list[str] | None = None) -> Finding:
    """The finding for features ``a`` and ``b`` overlapping in ``piece`` (what ``validate`` prints), naming
    them by ``names`` (``Preston (E07000123)``) when given, else by code."""
    import shapely

    names = names or codes
    area = float(shapely.area(piece))
    return Finding(check, file, f"{names[a]} {what} {names[b]} by {_area(area)}", code=codes[a],
                   figures={"other": codes[b], "area_m2": round(area, 2)}, **at(shapely.point_on_surface(piece)))


def holes(geoms: np.ndarray, union: Any = None) -> list:
    """The holes of the union of ``geoms`` (as polygons): areas inside the outer boundary that nothing covers.
    ``union``: the union of ``geoms`` when it is known already."""
    import shapely

    union = shapely.union_all(geoms) if union is None else union
    parts = shapely.get_parts(union)
    islands = shapely.STRtree(parts)
    out = []
    for ring in (ring for part in parts for ring in part.interiors):
        hole = shapely.Polygon(ring)
        inside = islands.query(hole, predicate="contains")  # covered islands within the hole are not gap
        out.append(hole.difference(shapely.union_all(parts[inside])) if len(inside) else hole)
    return out


def check_gaps(geoms: np.ndarray, codes: list[str], file: str, union: Any = None, names: list[str] | None = None
               ) -> tuple[list[Finding], dict[str, Any]]:
    """One finding per hole in the union, with its area, a point inside it and the features around it.
    ``union``: the union of ``geoms`` when it is known already."""
    import shapely

    found = [h for h in holes(geoms, union) if h.area >= MIN_AREA_M2]
    tree = shapely.STRtree(geoms) if found else None
    findings = [gap_finding(hole, tree, codes, file, names=names) for hole in sorted(found, key=lambda h: -h.area)]
    between = [f for f in findings if f.severity == "error"]
    summary = {"gaps": len(findings), "gap_area_km2": round(sum(h.area for h in found) / 1e6, 6),
               "gaps_between_features": len(between),
               "gap_between_features_km2": round(sum(f.figures["area_m2"] for f in between) / 1e6, 6)}
    return findings, summary


def gap_finding(hole: Any, tree: Any, codes: list[str], file: str, names: list[str] | None = None) -> Finding:
    """The finding for one hole of the union (``tree``: the features' STRtree): an error between features,
    a warning inside one (water, or a missing enclave); the features around it named by ``names``."""
    import shapely

    label = dict(zip(codes, names or codes, strict=True))
    around = sorted({codes[i] for i in tree.query(hole, predicate="intersects")})
    near = ", ".join(label[c] for c in around[:4]) + (f" and {len(around) - 4} more" if len(around) > 4 else "")
    if len(around) > 1:
        where, severity = f" (between {near})", "error"
    else:  # a hole in one feature: a lake, enclosed tidal water, or a missing enclave
        where, severity = f" (a hole inside {near}: water, or a missing enclave?)" if near else "", "warning"
    return Finding("coverage-gap", file, f"gap of {_area(hole.area)} covered by no feature{where}",
                   severity=severity, code=around[0] if around else None,
                   figures={"area_m2": round(float(hole.area), 2), "around": around},
                   **at(shapely.point_on_surface(hole)))


def broken_tiling(geoms: np.ndarray, codes: list[str], file: str, snap: float, within: Any = None,
                  names: list[str] | None = None) -> list[Finding]:
    """The ``coverage-overlap`` and ``coverage-gap`` (between features) findings of ``validate`` that are more
    than edge noise, naming the units by ``names`` (``Preston (E07000123)``; the codes by default). Edge noise
    is the rule of docs/metrics.md (:func:`placegeo.noise.within_snap_of_edge`): an overlap lying entirely
    within ``snap`` metres of either feature's edge, a gap lying entirely within ``snap`` of its own edge
    (the features around it). With ``within`` (a polygon, e.g. the options' footprint), only pieces meeting
    it count. Largest first."""
    import numpy as np
    import shapely

    from placegeo.noise import within_snap_of_edge

    everything = shapely.STRtree(geoms)
    if within is not None:  # only the features meeting the footprint: a national file is checked where it is used
        near = np.sort(everything.query(within, predicate="intersects"))
        geoms, codes = geoms[near], [codes[i] for i in near]
        names = [names[i] for i in near] if names else None
    overlaps = [(a, b, piece) for a, b, piece in overlap_pieces(geoms)
                if within is None or shapely.intersects(piece, within)]
    pieces = np.asarray([piece for _, _, piece in overlaps], dtype=object)
    firsts, seconds = (geoms[np.asarray([pair[k] for pair in overlaps], dtype=np.int64)] for k in (0, 1))
    noise = within_snap_of_edge(pieces, firsts, snap) | within_snap_of_edge(pieces, seconds, snap)
    found = [(float(piece.area), overlap_finding(a, b, piece, codes, file, names=names))
             for (a, b, piece), noisy in zip(overlaps, noise, strict=True) if not noisy]
    tree = shapely.STRtree(geoms)
    gaps: list[tuple[Any, Finding]] = []
    for hole in holes(geoms):
        if within is not None:  # a hole of the features kept may be covered by one left out
            others = everything.geometries[everything.query(hole, predicate="intersects")]
            hole = shapely.difference(hole, shapely.union_all(others)) if len(others) else hole
        if hole.area < MIN_AREA_M2 or (within is not None and not shapely.intersects(hole, within)):
            continue
        finding = gap_finding(hole, tree, codes, file, names=names)
        if finding.severity == "error":
            gaps.append((hole, finding))
    shapes = np.asarray([hole for hole, _ in gaps], dtype=object)
    noise = within_snap_of_edge(shapes, shapes, snap)
    found += [(float(hole.area), finding) for (hole, finding), noisy in zip(gaps, noise, strict=True) if not noisy]
    return [f for _, f in sorted(found, key=lambda pair: -pair[0])]


def check_edges(geoms: np.ndarray, codes: list[str], file: str, gap_width: float, edges: Any = None,
                names: list[str] | None = None) -> list[Finding]:
    """shapely's coverage validation: per feature, the edges that do not match a neighbour's (``edges``: the
    result of ``shapely.coverage_invalid_edges`` with this ``gap_width``, when it is known already)."""
    import shapely

    names = names or codes
    edges = shapely.coverage_invalid_edges(geoms, gap_width=gap_width) if edges is None else edges
    findings = []
    for i in (~shapely.is_empty(edges)).nonzero()[0]:
        length = float(shapely.length(edges[i]))
        first = shapely.get_point(shapely.get_geometry(edges[i], 0), 0)
        findings.append(Finding("coverage-edge", file, f"{names[i]} has {_length(length)} of edge that does not "
                                f"match its neighbours (gap width {gap_width:g} m)", code=codes[i],
                                figures={"length_m": round(length, 1)}, **at(first)))
    return findings


def coverage_findings(geoms: np.ndarray, codes: list[str], file: str, *, gap_width: float = 0.0,
                      skip: Iterable[str] = (), fast: bool = True, names: list[str] | None = None,
                      parts: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[list[Finding], dict[str, Any]]:
    """Overlaps, gaps and unmatched edges of valid polygons ``geoms`` (in that order), and their summary figures.

    ``fast``: test the coverage first (``shapely.coverage_invalid_edges``, asked only about the polygons not
    fully matched); a valid one cannot overlap, so the overlap search is skipped, and the union is the coverage
    union (or none, when the outline shows no hole). ``fast=False`` runs every check in
    full (the same findings; kept to test the fast path against).
    """
    import shapely

    skip = set(skip)
    wanted = {c for c in ("coverage-overlap", "coverage-gap", "coverage-edge") if c not in skip}
    findings: list[Finding] = []
    summary: dict[str, Any] = {}
    if not wanted:
        return findings, summary
    edges = valid = union = None
    if fast:
        edges, union = _edges_and_union(geoms, "coverage-gap" in wanted, parts)
        valid = bool(shapely.is_empty(edges).all())
    if "coverage-overlap" in wanted:
        if valid:
            summary.update(overlap_pairs=0, overlap_area_km2=0.0, overlap_pairwise_sum_km2=0.0)
        else:
            found, figures = check_overlaps(geoms, codes, file, names=names)
            findings += found
            summary.update(figures)
    if "coverage-gap" in wanted:
        if valid and union is None:
            union = shapely.coverage_union_all(geoms)
        found, figures = check_gaps(geoms, codes, file, union if valid else None, names=names)
        findings += found
        summary.update(figures)
    if "coverage-edge" in wanted:
        findings += check_edges(geoms, codes, file, gap_width, edges if gap_width == 0 else None, names=names)
    return findings, summary


def _edges_and_union(geoms: np.ndarray, union: bool, parts: tuple[np.ndarray, np.ndarray] | None = None
                     ) -> tuple[Any, Any]:
    """(``shapely.coverage_invalid_edges`` of ``geoms``, their union or None).

    The edges (see :mod:`placegeo.checks.segments`): a fully matched polygon has none, as GEOS says; when the
    outline shows the coverage valid, no polygon has any; else GEOS is asked about the polygons with a segment
    that is not matched, with their neighbours, in chunks on the worker threads. The union (when asked for,
    and the coverage is valid): empty when the outline's rings show it has no hole (all the gap check reads of it), else
    ``shapely.coverage_union_all``.
    """
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import shapely

    from placegeo.checks.segments import outline_has_holes, outline_proves_valid, segments, unmatched_polygons
    from placegeo.overlaps import workers

    found = segments(geoms, parts)
    suspects = unmatched_polygons(found)
    edges = np.full(len(geoms), shapely.LineString(), dtype=object)
    if len(suspects) and not outline_proves_valid(found, geoms):
        tree = shapely.STRtree(geoms)
        _, near = tree.query(geoms[suspects])
        extra = np.setdiff1d(np.unique(near), suspects)
        threads = workers()
        with ThreadPoolExecutor(threads) as pool:
            edges[suspects] = invalid_edges(np.concatenate([geoms[suspects], geoms[extra]]), pool=pool,
                                            threads=threads)[:len(suspects)]
    if not union or not shapely.is_empty(edges).all():
        return edges, None
    return edges, _coverage_union(geoms) if outline_has_holes(found) else shapely.Polygon()


def _coverage_union(geoms: np.ndarray) -> Any:
    """``shapely.coverage_union_all``, or None where GEOS refuses the coverage (it is invalid: not used)."""
    import shapely

    try:
        return shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:
        return None


def invalid_edges(geoms: np.ndarray, gap_width: float = 0.0, *, pool: Any = None, threads: int = 1,
                  chunked_from: int = CHUNKED_FROM) -> np.ndarray:
    """``shapely.coverage_invalid_edges``, in spatial chunks on the ``threads`` of ``pool`` for a large layer.

    GEOS checks each polygon against the polygons whose envelopes (grown by ``gap_width``) meet its own; a
    chunk is given those neighbours too, and only its own polygons' results are kept, so the result is the
    one call's.
    """
    import numpy as np
    import shapely

    if pool is None or threads < 2 or len(geoms) < chunked_from:
        return shapely.coverage_invalid_edges(geoms, gap_width=gap_width)
    bounds = shapely.bounds(geoms)
    order = np.argsort(bounds[:, 0] + bounds[:, 2], kind="stable")
    chunks = np.array_split(order, 2 * threads)  # more chunks than threads: none waits for the longest
    tree = shapely.STRtree(geoms)
    w = gap_width

    def chunk_edges(chunk: np.ndarray) -> np.ndarray:
        b = bounds[chunk]
        _, near = tree.query(shapely.box(b[:, 0] - w, b[:, 1] - w, b[:, 2] + w, b[:, 3] + w))
        extra = np.setdiff1d(np.unique(near), chunk)
        return shapely.coverage_invalid_edges(np.concatenate([geoms[chunk], geoms[extra]]), gap_width=w)[:len(chunk)]

    out = np.empty(len(geoms), dtype=object)
    for chunk, edges in zip(chunks, pool.map(chunk_edges, chunks), strict=True):
        out[chunk] = edges
    return out


def check_slivers(geoms: np.ndarray, codes: list[str], file: str, sliver_area: float,
                  names: list[str] | None = None, parts: tuple[np.ndarray, np.ndarray] | None = None
                  ) -> list[Finding]:
    """Polygon parts smaller than ``sliver_area`` m²: whole features or fragments of multipolygons (``parts``:
    ``shapely.get_parts(geoms, return_index=True)``, when known already)."""
    import numpy as np
    import shapely

    names = names or codes
    parts, index = shapely.get_parts(geoms, return_index=True) if parts is None else parts
    areas = shapely.area(parts)
    findings = []
    for j in np.nonzero(areas < sliver_area)[0]:
        i = int(index[j])
        whole = shapely.get_num_geometries(geoms[i]) == 1
        what = "the whole feature" if whole else "a part"
        findings.append(Finding("sliver", file, f"{names[i]}: {what} is only {_area(areas[j])} "
                                f"(below {sliver_area:g} m²)", code=codes[i],
                                figures={"area_m2": round(float(areas[j]), 2)},
                                **at(shapely.point_on_surface(parts[j]))))
    return findings


def _area(m2: float) -> str:
    if m2 >= 1e5:
        return f"{m2 / 1e6:,.3f} km²"
    return f"{m2:,.1f} m²" if m2 >= 1 else f"{m2:.2g} m²"


def _length(m: float) -> str:
    return f"{m / 1000:,.2f} km" if m >= 1000 else f"{m:,.1f} m"
