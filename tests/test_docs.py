"""The user documentation keeps up with the code: the public API is documented, typed and listed in
docs/api.md, the example option files load and validate, and links between the pages resolve."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import placegeo

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
API_MD = DOCS / "api.md"
EXAMPLES = sorted((DOCS / "examples").rglob("*.yaml"))
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
PUBLIC = sorted(placegeo._API)


def _public(name: str):
    return getattr(placegeo, name)


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_is_in_the_api_page(name):
    assert re.search(rf"^## {re.escape(name)}$", API_MD.read_text(encoding="utf-8"), re.M), \
        f"placegeo.{name} is not in docs/api.md: run python scripts/api_reference.py"


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_has_a_docstring(name):
    assert (inspect.getdoc(_public(name)) or "").strip(), f"placegeo.{name} has no docstring"


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_has_type_hints(name):
    obj = _public(name)
    sig = inspect.signature(obj)
    untyped = [p.name for p in sig.parameters.values() if p.annotation is p.empty and p.name not in ("self", "cls")]
    assert not untyped, f"placegeo.{name}: parameters without type hints: {untyped}"
    if not inspect.isclass(obj):
        assert sig.return_annotation is not sig.empty, f"placegeo.{name} has no return type hint"


def test_the_api_names_the_core_functions():
    core = {"load_layer", "load_option", "compare", "overlap", "bestfit", "map", "report", "validate", "build_pcns"}
    assert core <= set(PUBLIC), f"missing from placegeo._API: {sorted(core - set(PUBLIC))}"


def test_api_page_is_regenerated_from_the_docstrings():
    check = subprocess.run([sys.executable, str(ROOT / "scripts" / "api_reference.py"), "--check"])
    assert check.returncode == 0, "docs/api.md is stale: run python scripts/api_reference.py"


def test_there_are_example_options():
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(DOCS)))
def test_example_option_loads(path):
    option = placegeo.load_option(path)
    assert option.places and not option.frame.empty
    assert option.frame.crs.to_epsg() == 27700


def test_example_options_validate_clean():
    report = placegeo.validate(options=EXAMPLES)
    assert len(report.files) == len(EXAMPLES)
    assert not report.failing("warning"), [f.message for f in report.failing("warning")]


LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def _local_links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)  # not inside code blocks
    return [t for t in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t) and not t.startswith("#")]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    broken = [t for t in _local_links(page) if not (page.parent / t.split("#")[0]).exists()]
    assert not broken, f"{page.relative_to(ROOT)}: links to missing files: {broken}"


def test_index_links_every_page():
    linked = {(DOCS / t.split("#")[0]).resolve() for t in _local_links(DOCS / "index.md")}
    pages = {p.resolve() for p in DOCS.glob("*.md") if p.name != "index.md"}
    assert not pages - linked, f"docs/index.md does not link: {sorted(p.name for p in pages - linked)}"


def test_data_page_names_every_bundled_layer():
    text = (DOCS / "data.md").read_text(encoding="utf-8")
    missing = [layer_id for layer_id in placegeo.load_catalogue() if f"`{layer_id}`" not in text]
    assert not missing, f"docs/data.md does not describe: {missing}"


def test_public_functions_are_not_shadowed_by_submodules():
    """Importing every placegeo module must leave placegeo.NAME the public function, not a module."""
    import importlib
    import pkgutil

    for module in pkgutil.walk_packages(placegeo.__path__, "placegeo."):
        importlib.import_module(module.name)
    for name in PUBLIC:
        assert not isinstance(getattr(placegeo, name), types.ModuleType), f"placegeo.{name} is a module"
