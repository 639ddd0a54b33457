"""Compatibility: the names ``placegeo.comparison`` has always exported, now defined elsewhere.

* the result types (:class:`Comparison` and its dataclasses) live in :mod:`placegeo.results`;
* :func:`compare` and the input checks live in :mod:`placegeo.api`;
* the weighing core is :mod:`placegeo.weighing`, the pure assessment :mod:`placegeo.assess`.

New code imports from those modules (or from ``placegeo``).
"""

from __future__ import annotations

from placegeo.api import (
    COVERAGE_WARN,
    DEFAULT_AGAINST,
    WEIGHTS,
    PopulationCoverageWarning,
    ReferenceCoverageWarning,
    check_reference,
    compare,
    default_population,
    self_overlap,
)
from placegeo.population import population_coverage
from placegeo.results import (
    SCHEMA_VERSION,
    Comparison,
    LayerInfo,
    LayerResult,
    OptionResult,
    OverlapRow,
    PlaceFit,
    PlaceSummary,
    Settings,
    UnitResult,
    option_frames,
)

__all__ = [
    "COVERAGE_WARN", "DEFAULT_AGAINST", "SCHEMA_VERSION", "WEIGHTS", "Comparison", "LayerInfo", "LayerResult",
    "OptionResult", "OverlapRow", "PlaceFit", "PlaceSummary", "PopulationCoverageWarning",
    "ReferenceCoverageWarning", "Settings", "UnitResult", "check_reference", "compare", "default_population",
    "option_frames", "population_coverage", "self_overlap",
]
