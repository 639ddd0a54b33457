"""`placegeo validate`: check boundary layers and option files before they reach a board paper.

Every check returns :class:`~placegeo.checks.base.Finding` objects (a stable check id, a severity, the file,
the feature code and a point in EPSG:27700) instead of raising, so one run reports everything wrong with a
file. Only a file that cannot be read at all raises (a :class:`~placegeo.errors.PlacegeoError`, exit 2).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from placegeo.checks.base import CHECKS, LAYER_CHECKS, OPTION_CHECKS, SEVERITIES, Finding, severity_rank
from placegeo.errors import UsageError
from placegeo.option_file import OPTION_SUFFIXES
from placegeo.progress import phase

if TYPE_CHECKING:
    import geopandas as gpd

DEFAULT_GAP_WIDTH = 0.0
DEFAULT_SLIVER_AREA = 1.0


@dataclass
class Settings:
    """Thresholds and overrides shared by every file of one run."""

    gap_width: float = DEFAULT_GAP_WIDTH
    sliver_area: float = DEFAULT_SLIVER_AREA
    code: str | None = None
    name: str | None = None
    kind: str | None = None
    layer: str | None = None
    footprint: str | None = None
    skip: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.skip) - set(CHECKS))
        if unknown:
            raise UsageError(f"unknown check id '{unknown[0]}' for --skip", hint="see docs/validate.md")
        if self.gap_width < 0 or self.sliver_area < 0:
            raise UsageError("--gap-width and --sliver-area must be zero or more")


@dataclass
class FileReport:
    """What validating one file found: the checks that ran, the findings, and summary figures."""

    file: str
    type: str  # "layer" or "option"
    checks: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "type": self.type, "checks": self.checks, "summary": self.summary,
                "seconds": round(self.seconds, 2), "findings": [f.to_dict() for f in self.findings]}


@dataclass
class Report:
    """A whole run: one FileReport per layer or option."""

    files: list[FileReport]
    settings: Settings
    skipped: list[str] = field(default_factory=list)  # YAML files that are not option files

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.files for f in r.findings]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(reversed(SEVERITIES), 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def failing(self, fail_on: str = "error") -> list[Finding]:
        """The findings at or above ``fail_on``."""
        if fail_on not in SEVERITIES:
            raise UsageError(f"unknown --fail-on '{fail_on}'", hint="use error, warning or info")
        return [f for f in self.findings if severity_rank(f.severity) >= severity_rank(fail_on)]

    def to_dict(self) -> dict[str, Any]:
        return {"counts": self.counts(), "gap_width_m": self.settings.gap_width,
                "sliver_area_m2": self.settings.sliver_area, "files": [r.to_dict() for r in self.files],
                "skipped": self.skipped}


def validate(sources: Iterable[str | Path] = (), options: Iterable[str | Path] = (),
             settings: Settings | None = None) -> Report:
    """Validate layers (bundled ids or files) and option files; YAML/TOML among ``sources`` are options."""
    settings = settings or Settings()
    reports, skipped = [], []
    sources, options = list(sources), list(options)
    if not sources and not options:
        raise UsageError("nothing to validate", hint="give layer ids, boundary files or --option FILE")
    named = set(map(str, options))  # named with --option: must be option files, not just any YAML
    for source in sources:
        if Path(str(source)).suffix.lower() in OPTION_SUFFIXES:
            options.append(source)
            continue
        reports.append(validate_layer(source, settings))
    for option in options:
        report = validate_option(option, settings, named=str(option) in named)
        if report is not None:
            reports.append(report)
        else:
            skipped.append(str(option))
    return Report(files=reports, settings=settings, skipped=skipped)


def validate_layer(source: str | Path, settings: Settings | None = None) -> FileReport:
    """Run every layer check on a bundled layer id or a boundary file."""
    from placegeo.catalogue import get_entry, is_bundled
    from placegeo.layers import read_frame

    settings = settings or Settings()
    start = time.perf_counter()
    text = str(source)
    code, name, kind, layer = settings.code, settings.name, settings.kind, settings.layer
    kind_source = "--kind option" if kind else ""
    points = False
    if is_bundled(text):
        entry = get_entry(text)
        path, layer = entry.path, layer or entry.layer
        code, name = code or entry.code, name or entry.name
        if not kind:
            kind, kind_source = entry.kind, "catalogue"
        points = entry.geometry == "point"
    else:
        path = Path(text)
        if not path.exists() and "/" not in text and "." not in text:
            get_entry(text)  # raises, suggesting the nearest bundled ids
    if is_bundled(text) and get_entry(text).dissolved:
        from placegeo.layers import bundled_layer

        frame = bundled_layer(text, copy=True).frame  # no file of its own: the units dissolved from its atoms
    else:
        frame = read_frame(path, layer=layer)
    report = FileReport(file=text, type="layer")
    with phase(f"checking {text} ({len(frame):,} features)"):
        report.findings = _layer_findings(frame, text, settings, code, name, kind, kind_source, points, report.summary)
    geometry_checks = {"not-polygonal", "sliver"} | {c for c in LAYER_CHECKS if c.startswith("coverage-")}
    ran = [c for c in LAYER_CHECKS if not (points and c in geometry_checks) and not (not points and c == "not-point")]
    report.checks = [c for c in ran if c not in settings.skip]
    report.findings = [f for f in report.findings if f.check not in settings.skip]
    report.seconds = time.perf_counter() - start
    return report


def _layer_findings(frame: gpd.GeoDataFrame, file: str, settings: Settings, code: str | None, name: str | None,
                    kind: str | None, kind_source: str, points: bool, summary: dict[str, Any]) -> list[Finding]:
    import geopandas as gpd
    import shapely

    from placegeo.checks import coverage
    from placegeo.checks.base import unit_labels
    from placegeo.checks.gss import kind_from_column
    from placegeo.checks.layer import check_codes, check_columns, check_crs, check_geometries
    from placegeo.layers import BNG, polygonal_part

    summary["features"] = len(frame)
    if len(frame) == 0:
        return [Finding("layer-empty", file, "holds no features")]
    findings: list[Finding] = []
    code_col, name_col, found = check_columns(frame, file, code, name)
    findings += found
    if not kind and code_col and kind_from_column(code_col):
        kind, kind_source = kind_from_column(code_col), "column name"
    summary.update(kind=kind, code_column=code_col, name_column=name_col,
                   crs=frame.crs.to_string() if frame.crs is not None else None)
    labels = (frame[code_col].astype(str).tolist() if code_col else [f"row {i + 1}" for i in range(len(frame))])
    named = unit_labels(labels, frame[name_col].tolist() if name_col else None)

    frame, found = check_crs(frame, file)
    findings += found
    usable, found = check_geometries(frame.geometry.values, labels, file, points=points)
    _to_bng(found, frame.crs)
    findings += found
    mask = shapely.is_geometry(usable)
    bng = gpd.GeoSeries(usable, crs=frame.crs).to_crs(BNG).values if frame.crs.to_epsg() != 27700 else usable
    if not points and bng is not usable:  # reprojection can leave a valid polygon invalid: mend quietly
        broken = mask.copy()
        broken[mask] = ~shapely.is_valid(bng[mask].astype(object))
        for i in broken.nonzero()[0]:
            bng[i] = polygonal_part(bng[i])
    reps = shapely.point_on_surface(bng)  # None where there is no geometry
    if code_col:
        findings += check_codes(frame[code_col].tolist(), reps, file, code_col, kind,
                                "column" if kind_source == "column name" else kind_source)
    if points or not mask.any():
        return findings
    kept = mask.nonzero()[0]
    geoms, codes, names = bng[mask].astype(object), [labels[i] for i in kept], [named[i] for i in kept]
    summary["area_km2"] = round(float(shapely.area(geoms).sum()) / 1e6, 3)
    skip = settings.skip
    parts = shapely.get_parts(geoms, return_index=True)  # read by the coverage and sliver checks both
    found, figures = coverage.coverage_findings(geoms, codes, file, gap_width=settings.gap_width, skip=skip,
                                                names=names, parts=parts)
    findings += found
    summary.update(figures)
    if "sliver" not in skip:
        findings += coverage.check_slivers(geoms, codes, file, settings.sliver_area, names=names, parts=parts)
    return findings


def _to_bng(findings: list[Finding], crs: Any) -> None:
    """Move finding locations from the file's CRS to EPSG:27700, in place."""
    from pyproj import Transformer

    located = [f for f in findings if f.x is not None]
    if not located or crs.to_epsg() == 27700:
        return
    transformer = Transformer.from_crs(crs, "EPSG:27700", always_xy=True)
    xs, ys = transformer.transform([f.x for f in located], [f.y for f in located])
    for finding, x, y in zip(located, xs, ys, strict=True):
        finding.x, finding.y = float(x), float(y)


def validate_option(path: str | Path, settings: Settings | None = None, *, named: bool = True) -> FileReport | None:
    """Run the option checks on an option file: every problem ``load_option`` would refuse, and more.

    None for a YAML/TOML file that is not an option file, unless ``named`` (given with ``--option``): then it
    is checked as an option whatever it holds.
    """
    from placegeo.checks.option import option_findings

    settings = settings or Settings()
    start = time.perf_counter()
    report = FileReport(file=str(path), type="option")
    found = option_findings(Path(path), settings, report.summary, named=named)
    if found is None:
        return None
    report.checks = [c for c in OPTION_CHECKS if c not in settings.skip
                     and (settings.footprint or c not in ("option-footprint-uncovered", "option-outside-footprint"))]
    report.findings = [f for f in found if f.check not in settings.skip]
    report.seconds = time.perf_counter() - start
    return report
