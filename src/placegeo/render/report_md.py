"""The report as Markdown, for pasting into papers and wikis (GitHub-flavoured pipe tables)."""

from __future__ import annotations

import re

from placegeo.render.report_model import ReportModel, km2, pct, people, profile_columns, score_cell, score_text

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~])")


def esc(text: object) -> str:
    """User text made inert in Markdown: table pipes, emphasis, links and HTML tags are escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> list[str]:
    numeric = numeric or set()
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if i in numeric else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _place_name(p) -> str:
    return esc(p.name) if p.parent is None else f"{esc(p.name)} (sub-unit of {esc(p.parent)})"


def markdown(model: ReportModel) -> str:
    """The summary, scorecard, places, splits and sources as Markdown."""
    from placegeo.registry import shown_in
    from placegeo.render.report_model import licence_lines

    out = [f"# {esc(model.title)}", "",
           f"Weight: {model.weight}; tolerance {pct(model.tol)}. Reference layers: "
           + ", ".join(f"{esc(model.layer_titles.get(lid, lid))} ({esc(lid)})" for lid in model.layers) + ".", "",
           "## Summary", ""]
    out += [f"- {esc(line)}" for line in model.summary] + [""]
    out += ["## Scorecard", ""]
    rows = []
    for lid in model.layers:
        for item in shown_in("md"):
            values = [(model.scorecard.get((o, lid)) or {}).get(item.key) for o in model.options]
            if all(v is None for v in values):
                continue
            rows.append([esc(model.label(lid)), item.label] + [score_cell(model, o, lid, item) for o in model.options])
    out += _table(["Layer", "Measure", *(esc(model.option_label(o)) for o in model.options)], rows,
                  numeric=set(range(2, 2 + len(model.options))))
    out += [esc(note) for note in model.modelled.values()] + ([""] if model.modelled else [])
    for option in model.options:
        out += [f"## {esc(model.option_label(option))}", "", "### Places", ""]
        profile = profile_columns(model, "md")
        out += _table(
            ["Place", "Population", "Area (km²)", f"Place band ({model.place_band.describe()})",
             f"Neighbourhood band ({model.neighbourhood_band.describe()})", *(m.heading for m in profile)],
            [[_place_name(p), people(p.population), km2(p.area_km2),
              p.place_flag, p.neighbourhood_flag, *(score_text(p.profile.get(m.key), m) for m in profile)]
             for p in model.places_of(option)],
            numeric={1, 2, *range(5, 5 + len(profile))})
        out += [f"Source: {esc(line)}." for line in model.profile_sources] + ([""] if model.profile_sources else [])
        out += ["### Split units", ""]
        splits = model.splits_of(option)
        if not splits:
            out += [f"No reference unit is split (tolerance {pct(model.tol)}).", ""]
            continue
        core20 = any(s.core20_moved is not None for s in splits)
        out += _table(
            ["Layer", "Unit", "Code", "Shares", "Population in footprint", "People moved",
             *(["Core20 residents moved"] if core20 else [])],
            [[esc(model.label(s.layer)), esc(s.name), esc(s.code),
              " / ".join(f"{pct(v)} {esc(k)}" for k, v in s.shares),
              people(s.population), people(s.people_moved), *([people(s.core20_moved)] if core20 else [])]
             for s in splits],
            numeric={4, 5, 6})
        notes = [note for lid, note in model.modelled.items() if any(s.layer == lid for s in splits)]
        out += [esc(note) for note in notes] + ([""] if notes else [])
    out += ["## Data sources", ""]
    out += _table(["Layer", "Used as", "Vintage"],
                  [[f"{esc(s.title)} ({esc(s.id)})", esc(s.role), esc(s.vintage)] for s in model.sources])
    caveats = [s for s in model.sources if s.caveat]
    if caveats:
        out += ["", "**Caveats.**", ""] + [f"- {esc(s.id)}: {esc(s.caveat)}" for s in caveats] + [""]
    out += [f"- {esc(line)}" for line in licence_lines(model)]
    return "\n".join(out).rstrip() + "\n"
