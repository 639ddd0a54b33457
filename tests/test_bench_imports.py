"""bench/run.py imports only names the package has (the bench is not run by the tests; a moved function
must not break `make bench` unnoticed)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _imports() -> list[tuple[str, str]]:
    found = []
    for path in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("placegeo"):
                found += [(node.module, alias.name) for alias in node.names]
    return sorted(set(found))


@pytest.mark.parametrize(("module", "name"), _imports())
def test_bench_imports_exist(module, name):
    assert hasattr(importlib.import_module(module), name), f"bench imports {name} from {module}, which has none"
