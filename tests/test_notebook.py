"""The worked example notebook runs from top to bottom (its own asserts check the numbers it quotes)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "lsc_place_review.ipynb"

pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


def _runner():
    """scripts/run_notebook.py (the same code `make notebooks` runs), loaded as a module."""
    spec = importlib.util.spec_from_file_location("run_notebook", ROOT / "scripts" / "run_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_notebook_executes_without_errors():
    nb = _runner().execute(NOTEBOOK, timeout=120)  # raises CellExecutionError on the first failing cell
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 3, "the three maps are shown inline"


def test_notebook_is_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), \
        "clear the outputs: python scripts/run_notebook.py --clear notebooks/lsc_place_review.ipynb"
