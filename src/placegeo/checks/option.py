"""Checks on an option file: every rule of the format (from the one parser), then what only geometry shows:
places do not overlap, cover the footprint, and where a sub-unit mismatch lies.

The rules themselves (keys, names, blocks that exist and are used once, sub-units that tile their place)
are checked by :func:`placegeo.option_file.parse_option`, the parser ``load_option`` uses: each of its
diagnostics becomes a finding here, with its line, so ``validate --option`` reports exactly what
``compare`` would refuse, all at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo.checks.base import Finding, at
from placegeo.checks.coverage import MIN_AREA_M2, check_overlaps
from placegeo.option_file import OPTION_SUFFIXES

if TYPE_CHECKING:
    from placegeo.layers import Layer
    from placegeo.option_file import Diagnostic, OptionSpec
    from placegeo.validation import Settings

OPTION_MARKERS = {"places", "file", "blocks"}  # a YAML mapping with none of these is some other file


def option_findings(path: Path, settings: Settings, summary: dict[str, Any], *,
                    named: bool = True) -> list[Finding] | None:
    """All option findings for ``path``; None when a YAML/TOML file given among layers is not an option file.

    ``named``: the file was given with ``--option``, so it is checked as an option whatever it holds.
    """
    from placegeo.errors import OptionError
    from placegeo.option_file import parse_document, read_document

    file = str(path)
    if not path.exists():
        raise OptionError("no such option file", path=path)
    if path.suffix.lower() not in OPTION_SUFFIXES:
        return _polygon_option(path, None, file, settings, summary)
    document = read_document(path)
    if not named and document.problem is None and not (
            isinstance(document.data, dict) and OPTION_MARKERS & set(map(str, document.data))):
        return None  # some other YAML (a CI config, a list) passed among layers: not ours
    spec = parse_document(document, base=path.parent, path=path)
    findings = [_finding(d, file) for d in spec.diagnostics]  # every level: sub-units' problems included
    if spec.file is not None and not spec.diagnostics:
        return findings + _polygon_option(spec.file, spec.place_column, file, settings, summary)
    if spec.blocks is None:
        return findings
    geoms = spec.blocks.frame.set_index(spec.blocks.code).geometry
    shapes = [_shape(geoms, p.blocks) for p in spec.places]
    names = [p.name for p in spec.places]
    assigned = {c for p in spec.places for c in p.blocks}
    summary.update(blocks=spec.blocks.id, places=len(spec.places), blocks_assigned=len(assigned),
                   blocks_unassigned=len(set(spec.blocks.codes) - assigned))
    findings = [_located(f, geoms) for f in findings]
    findings += _subunit_overlaps(spec, geoms, file)
    return findings + _place_checks(shapes, names, file, settings, summary)


def _finding(diagnostic: Diagnostic, file: str) -> Finding:
    return Finding(diagnostic.check, file, diagnostic.text, code=diagnostic.code, line=diagnostic.line,
                   figures=dict(diagnostic.figures))


def _shape(geoms, codes) -> Any:
    """The union of the blocks ``codes`` (an empty polygon for none)."""
    import shapely

    return shapely.union_all(geoms.loc[sorted(set(codes))].values) if len(codes) else shapely.Polygon()


def _located(finding: Finding, geoms) -> Finding:
    """Put a block finding on the map: a point inside the block (or the blocks a sub-unit mismatch leaves),
    and the area of a mismatch in its figures."""
    import shapely

    if finding.check == "option-block-twice" and finding.code in geoms.index:
        point = geoms[finding.code].representative_point()
        finding.x, finding.y = float(point.x), float(point.y)
    elif finding.check == "option-subunits-mismatch":
        shape = _shape(geoms, finding.figures["blocks"])
        finding.figures["area_m2"] = round(float(shape.area), 1)
        if not shape.is_empty:
            point = shapely.point_on_surface(shape)
            finding.x, finding.y = float(point.x), float(point.y)
    return finding


def _subunit_overlaps(spec: OptionSpec, geoms, file: str) -> list[Finding]:
    """Overlaps between the sub-units of each place, at every level (the blocks layer may itself overlap)."""
    found: list[Finding] = []
    for place in spec.places:
        if place.subunits is None:
            continue
        shapes = [_shape(geoms, p.blocks) for p in place.subunits.places]
        more, _ = check_overlaps(_np(shapes), [p.name for p in place.subunits.places], file,
                                 "option-places-overlap", f"(a sub-unit of '{place.name}') overlaps")
        found += more + _subunit_overlaps(place.subunits, geoms, file)
    return found


def _np(shapes: list):
    import numpy as np

    array = np.empty(len(shapes), dtype=object)
    array[:] = shapes
    return array


def _place_checks(shapes: list, names: list[str], file: str, settings: Settings,
                  summary: dict[str, Any]) -> list[Finding]:
    """Places do not overlap; places cover the footprint (and stay inside it)."""
    found, figures = check_overlaps(_np(shapes), names, file, "option-places-overlap", "overlaps")
    summary.update({f"places_{k}": v for k, v in figures.items()})
    if settings.footprint:
        found += _footprint(shapes, file, settings, summary)
    return found


def _footprint(shapes: list, file: str, settings: Settings, summary: dict[str, Any]) -> list[Finding]:
    """What of the footprint no place covers (area, population, where), and what lies outside it."""
    import shapely

    from placegeo.layers import load_layer

    footprint = load_layer(settings.footprint)
    area = shapely.union_all(footprint.frame.geometry.values)
    places = shapely.union_all(_np(shapes))
    findings = []
    threshold = max(settings.sliver_area, MIN_AREA_M2)
    left_out = sorted((p for p in shapely.get_parts(area.difference(places)) if p.area >= threshold),
                      key=lambda p: -p.area)
    counted = people_in_parts(footprint, left_out)
    total_people = None if counted is None else sum(population for population, _ in counted)
    for i, part in enumerate(left_out):
        population, small_areas = (None, []) if counted is None else counted[i]
        who = f", population {population:,} in {len(small_areas)} small areas" if population is not None else ""
        findings.append(Finding("option-footprint-uncovered", file,
                                f"{part.area / 1e6:,.3f} km² of footprint {footprint.id} is in no place{who}",
                                code=small_areas[0] if small_areas else None,
                                figures={"area_m2": round(part.area, 1), "population": population,
                                         "small_areas": small_areas},
                                **at(shapely.point_on_surface(part))))
    outside = [p for p in shapely.get_parts(places.difference(area)) if p.area >= threshold]
    for part in sorted(outside, key=lambda p: -p.area):
        findings.append(Finding("option-outside-footprint", file,
                                f"{part.area / 1e6:,.3f} km² of the places lies outside footprint {footprint.id}",
                                figures={"area_m2": round(part.area, 1)}, **at(shapely.point_on_surface(part))))
    summary.update(footprint=footprint.id, footprint_uncovered_km2=round(sum(p.area for p in left_out) / 1e6, 3),
                   footprint_uncovered_population=total_people,
                   outside_footprint_km2=round(sum(p.area for p in outside) / 1e6, 3))
    return findings


def people_in_parts(footprint: Layer, parts: list) -> list[tuple[int, list[str]]] | None:
    """(population, small-area codes) in each of ``parts``; None when no population layer covers the footprint.

    Counted as ``compare`` counts people: :func:`placegeo.population.people_counter` (the one population
    policy) and its people-in-area method, areal weighting inside each small area.
    """
    from placegeo.population import people_counter

    count = people_counter(footprint)
    return None if count is None else [count(part) for part in parts]


def _polygon_option(file: Path, place_column: str | None, label: str, settings: Settings,
                    summary: dict[str, Any]) -> list[Finding]:
    """A drawn option (polygons with a place column): places must not overlap and must cover the footprint."""
    from placegeo.checks.layer import check_crs
    from placegeo.errors import OptionError, PlacegeoError
    from placegeo.layers import BNG, polygonal_part, read_frame
    from placegeo.options import drawn_option, place_column_of

    frame = read_frame(file)  # a file that cannot be read at all: nothing to check (exit 2)
    try:  # what load_option refuses a drawing for, as a finding with the same message
        column = place_column_of(frame, file, place_column)
        drawn_option(file, place_column=place_column, name=file.stem, description="")
    except PlacegeoError as err:
        text = f"{err.message} ({err.hint})" if err.hint else err.message
        check = "option-structure" if isinstance(err, OptionError) else "option-drawing"
        return [Finding(check, label, text if label == str(file) else f"{file}: {text}")]
    frame, findings = check_crs(frame, label)
    frame = frame.to_crs(BNG)
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    geoms = [g if g.is_valid else polygonal_part(g) for g in frame.geometry.values]
    frame = frame.set_geometry(geoms)
    dissolved = frame.dissolve(by=column, as_index=False, sort=False)
    names = dissolved[column].astype(str).tolist()
    shapes = [polygonal_part(g) if not g.is_valid else g for g in dissolved.geometry.values]
    summary.update(places=len(names), place_column=column)
    return findings + _place_checks(shapes, names, label, settings, summary)
