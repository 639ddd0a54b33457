"""`placegeo --help` answers fast because heavy libraries are imported inside commands."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ["geopandas", "shapely", "matplotlib", "pandas", "pyogrio", "pyproj"]


def test_importing_the_cli_imports_no_heavy_library():
    code = f"import sys, placegeo, placegeo.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_help_lists_every_command(run_cli):
    result = run_cli("--help")
    assert result.exit_code == 0
    for command in ("layers",):
        assert command in result.stdout
