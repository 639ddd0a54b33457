"""Checks on an option file: blocks exist and are used once, places do not overlap, cover the footprint,
and sub-units tile their place.

:func:`placegeo.options.load_option` stops at the first problem (it must: a broken option cannot be
compared). Here the same file is walked leniently so that every problem becomes a finding, resolving blocks
with the same rules (code, or name case-insensitively) as ``options.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo.checks.base import Finding, at
from placegeo.checks.coverage import MIN_AREA_M2, check_overlaps
from placegeo.options import OPTION_SUFFIXES

if TYPE_CHECKING:
    from placegeo.layers import Layer
    from placegeo.validation import Settings


@dataclass
class _Walk:
    """State while walking an option file: where findings go and how blocks resolve."""

    file: str
    lines: list[str]
    blocks: Layer
    resolve: Any
    findings: list[Finding]
    geoms: Any  # the blocks' geometries indexed by code

    def shape(self, codes: list[str]):
        """The union of the blocks ``codes`` (an empty polygon for none)."""
        import shapely

        return shapely.union_all(self.geoms.loc[sorted(set(codes))].values) if codes else shapely.Polygon()

    def line_of(self, token: str, after: int | None = None) -> int | None:
        """1-based line of the first mention of ``token`` (after line ``after``), for annotations."""
        start = after or 0
        for number, line in enumerate(self.lines[start:], start=start + 1):
            if str(token) in line:
                return number
        return None


def option_findings(path: Path, settings: Settings, summary: dict[str, Any]) -> list[Finding] | None:
    """All option findings for ``path``; None when a YAML/TOML file is not an option file at all."""
    from placegeo.errors import OptionError
    from placegeo.options import BlockResolver, blocks_layer, read_option_text

    file = str(path)
    if not path.exists():
        raise OptionError("no such option file", path=path)
    if path.suffix.lower() not in OPTION_SUFFIXES:
        return _polygon_option(path, None, file, settings, summary)
    try:
        raw = read_option_text(path)
    except OptionError as err:
        if "is not an option file" in err.message:  # some other YAML (a CI config, a list): not ours
            return None
        raise
    if not {"places", "file", "blocks"} & set(map(str, raw)):
        return None
    if "file" in raw:
        return _polygon_option(path.parent / str(raw["file"]), raw.get("place_column"), file, settings, summary)
    if not isinstance(raw.get("places"), list) or "blocks" not in raw:
        raise OptionError("needs 'blocks: LAYER' and a list of 'places'", path=path)
    blocks = blocks_layer(raw, path.parent, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    walk = _Walk(file, lines, blocks, BlockResolver(blocks, path), [], blocks.frame.set_index(blocks.code).geometry)
    places = _walk_places(walk, raw["places"], level=raw.get("name") or path.stem)
    shapes = [walk.shape(codes) for _, codes in places]
    names = [name for name, _ in places]
    assigned = {c for _, codes in places for c in codes}
    summary.update(blocks=blocks.id, places=len(places), blocks_assigned=len(assigned),
                   blocks_unassigned=len(set(blocks.codes) - assigned))
    return walk.findings + _place_checks(shapes, names, file, settings, summary)


def _walk_places(walk: _Walk, items: Any, level: str, after: int = 0) -> list[tuple[str, list[str]]]:
    """Resolve each place's blocks, reporting unknown, repeated and sub-unit problems; returns (name, codes)."""
    from placegeo.errors import OptionError

    out: list[tuple[str, list[str]]] = []
    owner: dict[str, str] = {}
    for number, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            raise OptionError(f"place {number + 1} of {level} is not a mapping", path=walk.file)
        name = str(item.get("name") or f"place {number + 1}")
        start = walk.line_of(f"name: {name}", after) or after
        codes: list[str] = []
        for block in item.get("blocks") or []:
            try:
                code = walk.resolve(block, name)
            except OptionError as err:
                walk.findings.append(Finding("option-block-unknown", walk.file, err.message
                                             + (f" ({err.hint})" if err.hint else ""), code=str(block),
                                             line=walk.line_of(str(block), start)))
                continue
            if code in codes:
                walk.findings.append(_twice(walk, code, f"is listed twice in place '{name}'", start))
                continue
            codes.append(code)
        sub = item.get("subunits")
        if isinstance(sub, dict) and isinstance(sub.get("places"), list):
            subplaces = _walk_places(walk, sub["places"], level=f"sub-units of '{name}'", after=start)
            sub_codes = [c for _, cs in subplaces for c in cs]
            if item.get("blocks") is None:
                codes = list(dict.fromkeys(sub_codes))
            else:
                _tiling(walk, name, codes, sub_codes, start)
            walk.findings.extend(_place_checks_light(walk, subplaces, name))
        if not codes:
            walk.findings.append(Finding("option-place-empty", walk.file, f"place '{name}' of {level} is empty "
                                         "(no blocks)", line=start or None))
        for code in codes:
            if code in owner:
                walk.findings.append(_twice(walk, code, f"is in two places of {level}: '{owner[code]}' and "
                                                        f"'{name}'", start))
            else:
                owner[code] = name
        out.append((name, codes))
    return out


def _twice(walk: _Walk, code: str, what: str, start: int) -> Finding:
    frame = walk.blocks.frame
    row = frame[frame[walk.blocks.code].astype(str) == code]
    point = row.geometry.iloc[0].representative_point() if len(row) else None
    block_name = str(row[walk.blocks.name].iloc[0]) if len(row) else ""
    label = f"{code} ({block_name})" if block_name else code
    line = walk.line_of(code, start) or (walk.line_of(block_name, start) if block_name else None)
    return Finding("option-block-twice", walk.file, f"block {label} {what}", code=code, line=line, **at(point))


def _tiling(walk: _Walk, name: str, codes: list[str], sub_codes: list[str], start: int) -> None:
    """Sub-units must be made of exactly the place's blocks: say which are missing or extra, and where."""
    import shapely

    missing = sorted(set(codes) - set(sub_codes))
    extra = sorted(set(sub_codes) - set(codes))
    for codes_, what in ((missing, "in no sub-unit"), (extra, "in a sub-unit but not in the place")):
        if not codes_:
            continue
        shape = walk.shape(codes_)
        listed = ", ".join(codes_[:5]) + (f" and {len(codes_) - 5} more" if len(codes_) > 5 else "")
        walk.findings.append(Finding(
            "option-subunits-mismatch", walk.file,
            f"the sub-units of '{name}' do not tile it: {len(codes_)} block(s) of {walk.blocks.id} {what} "
            f"({listed}; {shape.area / 1e6:,.3f} km²)", code=codes_[0], line=start or None,
            figures={"place": name, "blocks": codes_, "area_m2": round(float(shape.area), 1)},
            **at(shapely.point_on_surface(shape))))


def _place_checks_light(walk: _Walk, subplaces: list[tuple[str, list[str]]], parent: str) -> list[Finding]:
    """Overlaps between the sub-units of one place (the blocks layer may itself overlap)."""
    shapes = [walk.shape(cs) for _, cs in subplaces]
    found, _ = check_overlaps(_np(shapes), [n for n, _ in subplaces], walk.file, "option-places-overlap",
                              f"(a sub-unit of '{parent}') overlaps")
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
    people = _population_points(footprint)
    findings = []
    threshold = max(settings.sliver_area, MIN_AREA_M2)
    left_out = [p for p in shapely.get_parts(area.difference(places)) if p.area >= threshold]
    total_people = 0
    for part in sorted(left_out, key=lambda p: -p.area):
        population, small_areas = _people_in(people, part)
        total_people += population or 0
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
                   footprint_uncovered_population=total_people if people is not None else None,
                   outside_footprint_km2=round(sum(p.area for p in outside) / 1e6, 3))
    return findings


def _population_points(footprint: Layer):
    """(inner points, populations) of the small areas used to count people left out, or None."""
    import shapely

    from placegeo.catalogue import default_population_layer, is_bundled
    from placegeo.errors import PlacegeoError
    from placegeo.layers import load_layer

    region = footprint.entry.region if footprint.entry else "lsc"
    try:
        layer_id = default_population_layer(region)
        small = load_layer(layer_id) if is_bundled(layer_id) else None
    except PlacegeoError:
        small = None
    if small is None or not small.population:
        return None
    return (shapely.point_on_surface(small.frame.geometry.values), small.frame[small.population].to_numpy(),
            small.frame[small.code].astype(str).to_numpy())


def _people_in(people, part) -> tuple[int | None, list[str]]:
    """Population and codes of the small areas whose inner point lies in ``part``."""
    import shapely

    if people is None:
        return None, []
    points, values, codes = people
    inside = shapely.contains_xy(part, shapely.get_x(points), shapely.get_y(points))
    return int(round(float(values[inside].sum()))), codes[inside].tolist()


def _polygon_option(file: Path, place_column: str | None, label: str, settings: Settings,
                    summary: dict[str, Any]) -> list[Finding]:
    """A drawn option (polygons with a place column): places must not overlap and must cover the footprint."""
    from placegeo.checks.layer import check_crs
    from placegeo.layers import BNG, polygonal_part, read_frame
    from placegeo.options import guess_place_column

    frame = read_frame(file)
    column = place_column or guess_place_column(frame, file)
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
