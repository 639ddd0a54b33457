"""Terminal views (rich tables) and their JSON twins for the catalogue and layers."""

from __future__ import annotations

import json
from typing import Any

from placegeo.errors import UsageError


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise UsageError(f"unknown --format '{fmt}'", hint=f"use {' or '.join(allowed)}")


def _record(entry) -> dict[str, Any]:
    """A catalogue entry as a plain record, without its ``extra`` fields."""
    from dataclasses import asdict

    record = asdict(entry)
    record.pop("extra")
    return record


def catalogue_records() -> list[dict[str, Any]]:
    """The catalogue as plain records (what `layers --format json` prints)."""
    from placegeo.catalogue import load_catalogue

    return [_record(entry) for entry in load_catalogue().values()]


def print_catalogue(fmt: str = "table") -> None:
    _check_format(fmt, ("table", "json"))
    records = catalogue_records()
    if fmt == "json":
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    from placegeo.render.fit import minimum_width, render, terminal_width

    headers = ("id", "title", "features", "exactness", "vintage", "built from", "population")
    rows = [(r["id"], r["title"], f"{r['features']:,}", r["exactness"], _short(r["vintage"], ";"),
             built_from_short(r), r["population"] or "") for r in records]
    title = "Bundled layers (placegeo layers show ID for details)"
    table = Table(title=title)
    for i, column in enumerate(headers):  # words are wrapped, never cut: each column is at least its longest word
        longest = max(len(word) for row in rows for word in (row[i].split() or [""]))
        table.add_column(column, justify="right" if column == "features" else "left", min_width=longest,
                         no_wrap=column in ("id", "features", "exactness", "population"))
    for row in rows:
        table.add_row(*row)
    width = terminal_width()
    if width >= TABLE_WIDTH and minimum_width(table) <= width:
        print(render([table], width), end="")
        return
    import textwrap

    print(title)
    for row in rows:  # narrow: three lines a layer, wrapped at spaces
        lines = [f"{row[0]} · {row[2]} features · {row[3]}" + (f" · population {row[6]}" if row[6] else ""),
                 f"  {row[1]}", f"  {row[4]} · built from {row[5]}"]
        for line in lines:
            print(textwrap.fill(line, width, subsequent_indent="    ", break_long_words=False,
                                break_on_hyphens=False))


TABLE_WIDTH = 120  # the catalogue as a table from this width; narrower, three lines a layer


def _short(text: str, stop: str, width: int = 48) -> str:
    head = (text or "").split(stop)[0].strip()
    return head if len(head) <= width else head[: width - 1].rstrip() + "…"


def built_from_short(record: dict[str, Any]) -> str:
    """What a layer is built from, in a few words: ``england/lsoa21 by lookup_lsoa21_ward24_ltla24_EW.csv``."""
    first = (record.get("built_from") or "").split(":")[0].split(" ")[0]
    source = first.rsplit("/", 1)[-1]
    blocks = record.get("blocks")
    if blocks:
        return f"{blocks['layer']} by {source}" if source.endswith(".csv") else f"union of {blocks['layer']}"
    return source or "-"


def layer_details(layer_id: str) -> dict[str, Any]:
    """Facts about one bundled layer, read from its file (count, extent) and the catalogue."""
    from placegeo.layers import load_layer

    layer = load_layer(layer_id)
    entry = layer.entry
    minx, miny, maxx, maxy = (round(float(v)) for v in layer.frame.total_bounds)
    record = _record(entry)
    record.update(
        features_read=len(layer),
        extent_bng=[minx, miny, maxx, maxy],
        area_km2=round(float(layer.frame.area.sum()) / 1e6, 1) if entry.geometry == "polygon" else None,
        population_total=int(layer.frame[layer.population].sum()) if layer.population else None,
        path=str(entry.path),
    )
    return record


def print_layer_details(layer_id: str, fmt: str = "text") -> None:
    _check_format(fmt, ("text", "json"))
    record = layer_details(layer_id)
    if fmt == "json":
        print(json.dumps(record, indent=2, ensure_ascii=False, default=str))
        return
    from rich.table import Table

    from placegeo.render.fit import render, terminal_width

    table = Table(show_header=False, title=f"{record['id']}: {record['title']}")
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key in ("features_read", "kind", "code", "name", "exactness", "caveat", "vintage", "population",
                "population_total", "area_km2", "extent_bng", "publisher", "licence", "built_from", "notes", "path"):
        value = record.get(key)
        if value not in (None, ""):
            table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    width = terminal_width()
    print(render([table], width), end="")
