"""placegeo: coterminosity of NHS and council place boundaries.

The public API is loaded lazily so that ``import placegeo`` (and ``placegeo --help``) stays fast:
geopandas and friends are imported only when a function that needs them is called.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_API = {
    "load_layer": "placegeo.layers",
    "validate": "placegeo.validation",
    "Finding": "placegeo.checks.base",
    "Layer": "placegeo.layers",
    "load_catalogue": "placegeo.catalogue",
    "load_option": "placegeo.options",
    "Option": "placegeo.options",
    "Place": "placegeo.options",
    "PlacegeoError": "placegeo.errors",
    "compare": "placegeo.api",
    "CompareSettings": "placegeo.api",
    "Comparison": "placegeo.results",
    "map": "placegeo.tasks",
    "map_options": "placegeo.tasks",
    "save_map": "placegeo.render.maps",
    "report": "placegeo.tasks",
    "write_report": "placegeo.render.report",
    "overlap": "placegeo.api",
    "profile": "placegeo.api",
    "ProfileTable": "placegeo.results",
    "Profile": "placegeo.results",
    "bestfit": "placegeo.lookup",
    "snap": "placegeo.snapping",
    "build_pcns": "placegeo.pcn",
    "PcnBuild": "placegeo.pcn",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'placegeo' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
