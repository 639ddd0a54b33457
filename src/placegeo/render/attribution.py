"""Attribution lines: the licence lines of the layers used, deduplicated once for maps and reports alike."""

from __future__ import annotations

import re
from collections.abc import Iterable

SOURCE = "Source: "


def attributions(credits: Iterable[tuple[str | None, str | None]]) -> dict[str, list[str]]:
    """Licence line -> the layers it covers, from ``(licence text, layer id or None)`` pairs, in order of first use.

    Each text is split into lines and its whitespace normalised; a line repeated is kept once, and a line that
    another says with more is left out, its layers going to that line: the same wording up to "Source:" and
    every publisher it names in the other's first source (``... Source: NHS England.`` and ``... Source: NHS
    Digital.`` are covered by ``... Source: NHS England/NHS Digital; ...``), and lines that differ only in a year
    are said once with every year (``... database right 2021 and 2022.``). No required wording is lost.
    """
    lines: dict[str, list[str]] = {}
    for text, layer in credits:
        for line in (text or "").splitlines():
            line = " ".join(line.split())
            if line:
                _add(lines.setdefault(line, []), [layer] if layer else [])
    for line in list(lines):
        wider = next((other for other in lines if other != line and _covers(other, line)), None)
        if wider is not None:
            _add(lines[wider], lines.pop(line))
    return _years_merged(lines)


YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def _years_merged(lines: dict[str, list[str]]) -> dict[str, list[str]]:
    """Lines that differ only in one year said once, listing the years: "... database right 2021, 2022 and 2024."

    A line with no year, or more than one, is kept as it is."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        key = YEAR.sub("{year}", line) if len(YEAR.findall(line)) == 1 else line
        groups.setdefault(key, []).append(line)
    out: dict[str, list[str]] = {}
    for key, members in groups.items():
        if len(members) == 1:
            out[members[0]] = lines[members[0]]
            continue
        years = sorted({YEAR.search(m).group(0) for m in members})  # type: ignore[union-attr]
        said = ", ".join(years[:-1]) + f" and {years[-1]}"
        layers: list[str] = []
        for member in members:
            _add(layers, lines[member])
        out[key.replace("{year}", said)] = layers
    return out


def _add(layers: list[str], more: list[str]) -> None:
    layers.extend(layer for layer in more if layer not in layers)


def _covers(wider: str, line: str) -> bool:
    """Whether ``wider`` has ``line``'s wording before "Source:" and names each of its publishers."""
    head, found, names = line.partition(SOURCE)
    wider_head, wider_found, wider_names = wider.partition(SOURCE)
    if not (found and wider_found and head == wider_head):
        return False
    first = wider_names.split(";")[0].rstrip(".").split("/")
    return set(names.rstrip(".").split("/")) <= set(first)
