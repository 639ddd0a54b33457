"""Execute the worked-example notebooks with the Python running this script (no jupyter/nbconvert needed).

    python scripts/run_notebook.py                      # execute notebooks/*.ipynb in place (outputs regenerated)
    python scripts/run_notebook.py --out out/notebooks  # execute, write the executed copies there (`make notebooks`)
    python scripts/run_notebook.py --check NB.ipynb     # execute, fail on any cell error, write nothing
    python scripts/run_notebook.py --clear NB.ipynb     # strip outputs (how the notebook is committed)

The kernel is always this interpreter (``sys.executable``): a kernelspec for it is written into a temporary
directory put first on ``JUPYTER_PATH``, so a stale ``python3`` kernelspec elsewhere on the machine is never used.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL_NAME = "placegeo-notebook"
TIMEOUT_S = 300


@contextlib.contextmanager
def this_python_kernel() -> Iterator[str]:
    """Yield the name of a kernelspec that runs ``sys.executable``, installed in a temporary directory."""
    from ipykernel.kernelspec import install

    with tempfile.TemporaryDirectory(prefix="placegeo-kernel-") as tmp:
        install(prefix=tmp, kernel_name=KERNEL_NAME, display_name="placegeo (this Python)")
        old = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(Path(tmp) / "share" / "jupyter"), old]))
        try:
            yield KERNEL_NAME
        finally:
            if old is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = old


def execute(path: str | Path, *, timeout: int = TIMEOUT_S):
    """Execute the notebook at ``path`` (working directory: its folder) and return it with outputs.

    Raises ``nbclient.exceptions.CellExecutionError`` on the first cell that errors.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    with this_python_kernel() as kernel:
        client = NotebookClient(nb, kernel_name=kernel, timeout=timeout,
                                resources={"metadata": {"path": str(path.parent.resolve())}})
        client.execute()
    return nb


def clear(path: str | Path) -> None:
    """Strip outputs and execution counts, as the notebook is committed."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="execute but do not write the outputs")
    mode.add_argument("--clear", action="store_true", help="strip outputs instead of executing")
    mode.add_argument("--out", type=Path, help="write the executed notebooks into this directory, not in place")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        if args.clear:
            clear(path)
            print(f"{path}: outputs cleared")
            continue
        start = time.perf_counter()
        nb = execute(path)
        target = None if args.check else path
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            target = args.out / path.name
        if target is not None:
            nbformat.write(nb, target)
        print(f"{path}: executed in {time.perf_counter() - start:.1f} s" + (f", written to {target}" if target else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
