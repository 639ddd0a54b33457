"""The report as an XLSX workbook: one sheet per table, numbers as numbers, frozen headers, set widths.

User text (place, unit and layer names) is always written as a string cell, never as a formula: a
place named ``=HYPERLINK(...)`` stays text. Characters a workbook cannot hold are dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from placegeo.registry import Metric, shown_in
from placegeo.render.report_model import ReportModel, profile_columns

PCT = "0.0%"
INT = "#,##0"
CAVEAT_HEADING = "Modelled (†)"
"""The column marking rows computed from a modelled or best-fit layer; the footnotes are on Data sources."""
KM2 = "#,##0.0"

NUMBER_FORMATS = {"share": PCT, "people": INT, "count": INT, "places": INT, "km2": KM2, "score": KM2, "rank": INT,
                  "decile": INT, "ratio": "0.00", "m2": INT, "metres": INT}
"""Number format per registry unit."""


def scorecard_columns() -> list[Metric]:
    """The Scorecard sheet's figures: the registry's metrics shown in XLSX, in its order."""
    return shown_in("xlsx")


def _text(value: Any) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


def _sheet(wb, title: str, header: list[str], rows: list[list[tuple[Any, str | None]]], widths: list[int]):
    """Add a sheet: bold frozen header, then rows of (value, number format or "text")."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.append([_text(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DFE7EC")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows, start=2):
        for c, (value, fmt) in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if fmt == "text":
                cell.value = _text(value)
                cell.data_type = "s"  # never a formula, whatever the text starts with
            else:
                cell.value = None if value is None else float(value) if isinstance(value, float) else value
                if fmt:
                    cell.number_format = fmt
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    if rows:
        ws.auto_filter.ref = ws.dimensions
    return ws


def workbook(model: ReportModel):
    """The openpyxl Workbook of the report's tables."""
    from openpyxl import Workbook

    from placegeo.render.report_model import licence_lines

    wb = Workbook()
    wb.remove(wb.active)
    # Scorecard: one row per option and reference layer
    columns = scorecard_columns()
    rows = []
    for option in model.options:
        for lid in model.layers:
            score = model.scorecard.get((option, lid))
            if score is None:
                continue
            rows.append([(option, "text"), (lid, "text"), (model.layer_titles.get(lid, lid), "text")]
                        + [(score.get(m.key), NUMBER_FORMATS[m.unit]) for m in columns]
                        + [(model.mark(lid) or model.mark_option(option), "text")])
    _sheet(wb, "Scorecard", ["Option", "Layer", "Layer title", *(m.heading for m in columns), CAVEAT_HEADING], rows,
           [34, 12, 40] + [16] * len(columns) + [10])
    # Places
    profile = profile_columns(model, "xlsx")
    rows = [[(p.option, "text"), (p.name, "text"), (p.parent or "", "text"), (p.population, INT), (p.area_km2, KM2),
             (len(p.units) if isinstance(p.units, list) else p.units, INT),
             (p.place_flag, "text"), (p.neighbourhood_flag, "text"),
             *((p.profile.get(m.key), NUMBER_FORMATS[m.unit]) for m in profile)] for p in model.places]
    _sheet(wb, "Places", ["Option", "Place", "Sub-unit of", "Population", "Area (km²)", "Blocks",
                          f"Place band ({model.place_band.describe()})",
                          f"Neighbourhood band ({model.neighbourhood_band.describe()})",
                          *(m.heading for m in profile)], rows,
           [34, 32, 20, 14, 12, 10, 24, 30] + [16] * len(profile))
    # Splits: one row per split unit and place it is shared with
    rows = []
    for s in model.splits:
        for place, share in s.shares:
            rows.append([(s.option, "text"), (s.layer, "text"), (s.code, "text"), (s.name, "text"),
                         (place, "text"), (share, PCT), ("yes" if place == s.best_fit else "no", "text"),
                         (s.population, INT), (s.people_moved, INT), (s.core20_moved, INT),
                         (model.mark(s.layer) or model.mark_option(s.option), "text")])
    _sheet(wb, "Splits", ["Option", "Layer", "Unit code", "Unit", "Place", "Share", "Best fit",
                          "Population in footprint", "People moved", "Core20 residents moved", CAVEAT_HEADING], rows,
           [34, 12, 14, 32, 32, 10, 10, 16, 14, 16, 10])
    # Overlaps: the share matrices in long form
    rows = []
    for mx in model.matrices:
        for code, name, shares in mx.rows:
            for place, share in zip(mx.places, shares, strict=True):
                if share:
                    rows.append([(mx.option, "text"), (mx.layer, "text"), (code, "text"), (name, "text"),
                                 (place, "text"), (share, PCT)])
    _sheet(wb, "Overlaps", ["Option", "Layer", "Unit code", "Unit", "Place", "Share of unit"], rows,
           [34, 12, 14, 32, 32, 14])
    # Data sources
    rows = [[(s.id, "text"), (s.title, "text"), (s.role, "text"), (s.vintage, "text"), (s.publisher, "text"),
             (s.licence, "text")] for s in model.sources]
    ws = _sheet(wb, "Data sources", ["Layer", "Title", "Used as", "Vintage", "Publisher", "Licence"], rows,
                [14, 44, 26, 60, 36, 70])
    if model.profile_sources:
        ws.append([])
        ws.append(["Place profile (Places sheet)"])
        for line in model.profile_sources:
            ws.append([_text(line)])
            ws.cell(row=ws.max_row, column=1).data_type = "s"
    if model.modelled:
        ws.append([])
        ws.append(["Caveats (figures marked † on the Scorecard and Splits sheets)"])
        for note in model.modelled.values():
            ws.append([_text(note)])
            ws.cell(row=ws.max_row, column=1).data_type = "s"
    ws.append([])
    ws.append(["Attribution"])
    for line in licence_lines(model):
        ws.append([_text(line)])
        ws.cell(row=ws.max_row, column=1).data_type = "s"
    return wb


def write_xlsx(model: ReportModel, target: Path) -> None:
    """Save the workbook to ``target`` (a staging path: the caller moves it into place)."""
    workbook(model).save(target)
