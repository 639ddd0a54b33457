"""The individual checks behind ``placegeo validate``: layer checks, coverage checks and option checks."""

from placegeo.checks.base import CHECKS, SEVERITIES, Finding

__all__ = ["CHECKS", "SEVERITIES", "Finding"]
