"""Attribution lines: the licence lines of the layers used, deduplicated once for maps and reports alike."""

from __future__ import annotations

from collections.abc import Iterable

SOURCE = "Source: "


def attributions(credits: Iterable[tuple[str | None, str | None]]) -> dict[str, list[str]]:
    """Licence line -> the layers it covers, from ``(licence text, layer id or None)`` pairs, in order of first use.

    Each text is split into lines and its whitespace normalised; a line repeated is kept once, and a line that
    another says with more is left out, its layers going to that line: the same wording up to "Source:" and
    every publisher it names in the other's first source (``... Source: NHS England.`` and ``... Source: NHS
    Digital.`` are covered by ``... Source: NHS England/NHS Digital; ...``). No required wording is lost.
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
    return lines


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
