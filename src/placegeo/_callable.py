"""Modules named after the function they export (``placegeo.compare`` and ``compare()``).

``import placegeo.compare`` sets the package attribute ``compare`` to the module, which would shadow
the lazily exported function of the same name. Making those modules callable means
``placegeo.compare(...)`` works whichever of the two the attribute holds.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable


def make_callable(module_name: str, func_name: str) -> None:
    """Let calling module ``module_name`` call its function ``func_name``."""
    module = sys.modules[module_name]

    class _CallableModule(types.ModuleType):
        def __call__(self, *args, **kwargs):
            func: Callable = getattr(self, func_name)
            return func(*args, **kwargs)

    module.__class__ = _CallableModule
