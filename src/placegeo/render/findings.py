"""The four faces of a validation report: text (rich, grouped by file), JSON, JUnit XML and GitHub
Actions workflow commands."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from placegeo.errors import UsageError

if TYPE_CHECKING:
    from placegeo.checks.base import Finding
    from placegeo.validation import FileReport, Report

FORMATS = ("text", "json", "junit", "github")
TEXT_ROWS_PER_CHECK = 20
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render(report: Report, fmt: str, fail_on: str = "error") -> str:
    """The report as text in format ``fmt``."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown --format '{fmt}'", hint=f"use {', '.join(FORMATS)}")
    return {"text": to_text, "json": to_json, "junit": to_junit, "github": to_github}[fmt](report, fail_on)


def to_json(report: Report, fail_on: str = "error") -> str:
    record = report.to_dict()
    record.update(fail_on=fail_on, failed=bool(report.failing(fail_on)))
    return json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n"


def _where(finding: Finding) -> str:
    parts = []
    if finding.x is not None:
        parts.append(f"{finding.x:,.0f}, {finding.y:,.0f}")
    if finding.line is not None:
        parts.append(f"line {finding.line}")
    return "; ".join(parts)


def _summary_line(report: FileReport) -> str:
    s = report.summary
    bits = [f"{s['features']:,} features"] if "features" in s else []
    if s.get("places") is not None:
        bits.append(f"{s['places']} places")
    for key, label in (("kind", "kind"), ("code_column", "code")):
        if s.get(key):
            bits.append(f"{label} {s[key]}")
    if s.get("overlap_pairs"):
        bits.append(f"{s['overlap_pairs']} overlapping pairs, {s['overlap_area_km2']:,.3f} km² covered twice")
    if s.get("gaps"):
        bits.append(f"{s['gaps']:,} gaps, {s['gap_area_km2']:,.3f} km²")
    if s.get("footprint_uncovered_km2"):
        people = s.get("footprint_uncovered_population")
        bits.append(f"{s['footprint_uncovered_km2']:,.3f} km² of {s['footprint']} uncovered"
                    + (f" ({people:,} people)" if people is not None else ""))
    bits.append(f"{report.seconds:.1f} s")
    return " · ".join(bits)


def to_text(report: Report, fail_on: str = "error", width: int | None = None) -> str:
    """Rich tables, one per file, at most TEXT_ROWS_PER_CHECK rows per check, at ``width`` columns (the
    terminal's by default). When the columns other than the message leave it too little room (a narrow
    terminal), each finding is printed on two lines instead (what and where, then the message), so that no code
    or coordinate is cut."""
    import io
    import textwrap

    from rich.console import Console
    from rich.table import Table

    from placegeo.render.fit import terminal_width

    width = width or terminal_width()
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    headers = ("severity", "check", "code", "where (EPSG:27700)", "message")
    for file_report in report.files:
        console.print(f"[bold]{escape(file_report.file)}[/bold] ({file_report.type}): {_summary_line(file_report)}")
        if not file_report.findings:
            console.print(f"  ok: {len(file_report.checks)} checks passed")
            continue
        rows: list[tuple[str, ...]] = []
        shown: dict[str, int] = {}
        for finding in file_report.findings:
            shown[finding.check] = shown.get(finding.check, 0) + 1
            if shown[finding.check] <= TEXT_ROWS_PER_CHECK:
                rows.append((finding.severity, finding.check, finding.code or "", _where(finding), finding.message))
        for check, count in shown.items():
            if count > TEXT_ROWS_PER_CHECK:
                rows.append(("", check, "", "", f"... and {count - TEXT_ROWS_PER_CHECK} more (see --format json)"))
        if _table_width(headers[:-1], rows) + MESSAGE_ROOM > width:
            console.print("  (each finding: severity, check, code, where in EPSG:27700; then the message)",
                          style="dim")
            for severity, check, code, where, message in rows:  # two lines a finding, wrapped at spaces
                head = " ".join(part for part in (severity, check, code) if part)
                console.print(head + (f" at {where}" if where else ""), markup=False, highlight=False)
                console.print(textwrap.fill(message, width, initial_indent="  ", subsequent_indent="  ",
                                            break_long_words=False, break_on_hyphens=False),
                              markup=False, highlight=False, soft_wrap=True)
            continue
        table = Table(show_lines=False, pad_edge=False)
        for column in headers:
            table.add_column(column, overflow="fold", no_wrap=column != "message")
        for severity, *rest in rows:
            table.add_row(f"[{_STYLE[severity]}]{severity}[/]" if severity else "", *(escape(c) for c in rest))
        console.print(table)
    for skipped in report.skipped:
        console.print(f"{escape(skipped)}: skipped (YAML, but not an option file)")
    counts = report.counts()
    verdict = "FAILED" if report.failing(fail_on) else "passed"
    console.print(f"{verdict}: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info "
                  f"in {len(report.files)} file(s) (fail on {fail_on})")
    return buffer.getvalue()


MESSAGE_ROOM = 30  # the least width the message column needs to stay readable in a table


def _table_width(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> int:
    """Columns taken by ``headers`` (unwrapped, with a table's borders and padding) for these rows."""
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    return sum(widths) + 3 * len(widths) + 1


def escape(text: str) -> str:
    """Text from a file (a name, a path) printed as itself, never read as rich markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def to_junit(report: Report, fail_on: str = "error") -> str:
    """JUnit XML: a testsuite per file, a testcase per check (failing when it found something at fail_on)."""
    import xml.etree.ElementTree as ET

    from placegeo.checks.base import severity_rank

    root = ET.Element("testsuites", name="placegeo validate")
    total_tests = total_failures = 0
    for file_report in report.files:
        suite = ET.SubElement(root, "testsuite", name=file_report.file, time=f"{file_report.seconds:.3f}")
        failures = 0
        checks = list(file_report.checks)
        checks += [c for c in dict.fromkeys(f.check for f in file_report.findings) if c not in checks]
        for check in checks:
            case = ET.SubElement(suite, "testcase", classname=file_report.file, name=check)
            found = [f for f in file_report.findings if f.check == check]
            failing = [f for f in found if severity_rank(f.severity) >= severity_rank(fail_on)]
            lines = "\n".join(f"{f.severity}: {f.code or ''} {f.message} {_where(f)}".strip() for f in found)
            if failing:
                failures += 1
                ET.SubElement(case, "failure", message=f"{len(failing)} finding(s): {failing[0].message}",
                              type=failing[0].severity).text = lines
            elif found:
                ET.SubElement(case, "system-out").text = lines
        suite.set("tests", str(len(checks)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total_tests += len(checks)
        total_failures += failures
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(report: Report, fail_on: str = "error") -> str:
    """GitHub Actions workflow commands: one ::error/::warning/::notice annotation per finding."""
    out = []
    for finding in report.findings:
        props = [f"file={_escape_property(finding.file)}"]
        if finding.line is not None:
            props.append(f"line={finding.line}")
        props.append(f"title={_escape_property('placegeo ' + finding.check)}")
        where = _where(finding)
        text = f"{finding.code + ': ' if finding.code else ''}{finding.message}{' at ' + where if where else ''}"
        out.append(f"::{_LEVEL[finding.severity]} {','.join(props)}::{_escape_data(text)}")
    counts = report.counts()
    out.append(f"placegeo validate: {counts['error']} error(s), {counts['warning']} warning(s), "
               f"{counts['info']} info in {len(report.files)} file(s)")
    return "\n".join(out) + "\n"
