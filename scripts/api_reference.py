"""Write docs/api.md: every public name of ``placegeo`` (the ``_API`` map) with its signature and docstring.

    python scripts/api_reference.py           # regenerate docs/api.md
    python scripts/api_reference.py --check   # exit 1 if docs/api.md is stale
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "api.md"

INTRO = """\
# Python API

Generated from the docstrings by `python scripts/api_reference.py`; do not edit (edit the docstrings).

Everything the command line does is available from Python: `import placegeo` is fast (the functions
below are loaded on first use) and every name here is reachable as `placegeo.NAME`. Errors are the same
as on the command line: subclasses of `placegeo.PlacegeoError` whose `str()` is the one-line message
([errors.md](errors.md)). Metric definitions: [metrics.md](metrics.md). A worked example using only this
API: `notebooks/lsc_place_review.ipynb`.

```python
import placegeo

five = placegeo.load_option("data/options/lsc-five-partnerships-2019.yaml")
four = placegeo.load_option("data/options/lsc-four-places-2022.yaml")
comparison = placegeo.compare([five, four], against=["lad21", "ctyua21", "ccg21", "pcn"])
for opt in comparison.options:
    result = opt.results["lad21"]
    print(opt.name, result.coterminosity["population"], [u.name for u in result.split_units])
fig = placegeo.map(four, overlays=["lad21"], highlight_splits="ccg21", comparison=comparison)
```

The functions come from one orchestration layer, `placegeo.api` (the command line calls the same
functions). Settings are passed, never read from the environment: `compare(..., repair=True,
engine="fiona")` reads every file of the call that way, or pass them all at once as
`placegeo.CompareSettings`. A reference layer can be another option: `compare([five],
["data/options/lsc-four-places-2022.yaml"])`, or one place's sub-units as `"FILE#Lancashire"`. Left
out, `against` follows the options' region (`placegeo.catalogue.default_against`). The result types
(`Comparison` and its dataclasses) live in `placegeo.results`; the weighing core (a units × places matrix
per weight) in `placegeo.weighing`; the pure assessment in `placegeo.assess`; see
[dev/contributing.md](dev/contributing.md) for the layers.

| name | what |
| --- | --- |
"""


def public_names() -> list[str]:
    import placegeo

    return sorted(placegeo._API, key=lambda n: (n[0].isupper(), n.lower()))


def resolve(name: str):
    """The object behind ``placegeo.NAME``."""
    import placegeo

    return getattr(placegeo, name)


def _annotation(value) -> str:
    return value if isinstance(value, str) else inspect.formatannotation(value)


def _signature(obj) -> str:
    """The signature with string annotations (``from __future__ import annotations``) written unquoted."""
    sig = inspect.signature(obj)
    params = []
    star = False
    for p in sig.parameters.values():
        if p.kind is p.KEYWORD_ONLY and not star:
            params.append("*")
            star = True
        if p.kind is p.VAR_POSITIONAL:
            star = True
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.annotation is not p.empty:
            text += f": {_annotation(p.annotation)}"
        if p.default is not p.empty:
            text += f" = {p.default!r}" if p.annotation is not p.empty else f"={p.default!r}"
        params.append(text)
    ret = "" if sig.return_annotation is sig.empty else f" -> {_annotation(sig.return_annotation)}"
    return f"({', '.join(params)}){ret}"


def signature(name: str, obj) -> str:
    try:
        sig = _signature(obj)
    except (TypeError, ValueError):
        sig = "(...)"
    if inspect.isclass(obj):
        return f"class placegeo.{name}{sig.removesuffix(' -> None')}"
    return f"placegeo.{name}{sig}"


def members(obj) -> list[str]:
    """Public methods and properties defined on a class, with the first line of their docstrings."""
    lines = []
    for attr, value in vars(obj).items():
        if attr.startswith("_"):
            continue
        if isinstance(value, property):
            lines.append(f"- `.{attr}` (property): {summary(value.fget)}")
        elif isinstance(value, (classmethod, staticmethod)) or inspect.isfunction(value):
            func = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
            try:
                sig = _signature(func).replace("(self, ", "(").replace("(self)", "()").replace("(cls, ", "(")
            except (TypeError, ValueError):
                sig = "(...)"
            lines.append(f"- `.{attr}{sig}`: {summary(func)}")
    return lines


def summary(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


def render() -> str:
    names = public_names()
    parts = [INTRO]
    for name in names:
        text = summary(resolve(name)).replace("|", "\\|")
        parts.append(f"| [`{name}`](#{name.lower()}) | {text} |\n")
    for name in names:
        obj = resolve(name)
        parts.append(f"\n## {name}\n\n```python\n{signature(name, obj)}\n```\n\n")
        parts.append(f"Defined in `{obj.__module__}`.\n\n")
        doc = inspect.getdoc(obj) or "(no docstring)"
        parts.append(doc.strip() + "\n")
        if inspect.isclass(obj):
            extra = members(obj)
            if extra:
                parts.append("\n" + "\n".join(extra) + "\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/api.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python scripts/api_reference.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(public_names())} names)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
