"""Code patterns by entity kind: GSS codes for statistical and NHS geographies, ODS codes for PCNs and practices.

English codes are what the bundled layers hold; the Welsh, Scottish and Northern Irish equivalents are accepted
so that UK-wide published layers (LAD, CTYUA) and England-and-Wales LSOAs validate too.
"""

from __future__ import annotations

import re

_GSS = r"\d{6}"
PATTERNS: dict[str, tuple[str, str]] = {
    # kind -> (regex, what the codes should look like)
    "lsoa": (rf"^(E01|W01){_GSS}$", "E01 + 6 digits (W01 in Wales)"),
    "msoa": (rf"^(E02|W02){_GSS}$", "E02 + 6 digits (W02 in Wales)"),
    "ward": (rf"^(E05|W05|S13|N08){_GSS}$", "E05 + 6 digits"),
    "lad": (rf"^(E06|E07|E08|E09|W06|S12|N09){_GSS}$", "E06/E07/E08/E09 + 6 digits"),
    "ctyua": (rf"^(E06|E08|E09|E10|E11|W06|S12|N09){_GSS}$", "E10 county or E06/E08/E09 unitary + 6 digits"),
    "county": (rf"^E10{_GSS}$", "E10 + 6 digits"),
    "ccg": (rf"^E38{_GSS}$", "E38 + 6 digits"),
    "sicbl": (rf"^E38{_GSS}$", "E38 + 6 digits"),
    "icb": (rf"^E54{_GSS}$", "E54 + 6 digits"),
    "stp": (rf"^E54{_GSS}$", "E54 + 6 digits"),
    "region": (rf"^E12{_GSS}$", "E12 + 6 digits"),
    "pcn": (r"^U\d{5}$", "U + 5 digits"),
    "practice": (r"^[A-Z]\d{5}$", "a letter + 5 digits (ODS practice code)"),
}

# column-name stems (LAD21CD, lsoa11_code, SICBL23CD...) -> kind
_STEMS = {
    "LSOA": "lsoa", "MSOA": "msoa", "WD": "ward", "WARD": "ward", "LAD": "lad", "LTLA": "lad", "CTYUA": "ctyua",
    "UTLA": "ctyua", "CTY": "county", "CCG": "ccg", "SICBL": "sicbl", "ICB": "icb", "STP": "stp", "RGN": "region",
    "PCN": "pcn", "PRACTICE": "practice",
}
_COLUMN = re.compile(r"^([A-Z]+?)_?(\d{2})?_?(CD|CODE)$")


def kind_from_column(column: str | None) -> str | None:
    """Guess what a layer's features are from its code column name: LAD21CD -> lad, pcn_code -> pcn."""
    if not column:
        return None
    match = _COLUMN.match(column.upper())
    return _STEMS.get(match.group(1)) if match else None


def bad_codes(codes: list[str], kind: str) -> list[int]:
    """Positions of the codes that do not fit the pattern for ``kind`` (none when the kind has no pattern)."""
    if kind not in PATTERNS:
        return []
    pattern = re.compile(PATTERNS[kind][0])
    return [i for i, code in enumerate(codes) if not pattern.match(code)]
