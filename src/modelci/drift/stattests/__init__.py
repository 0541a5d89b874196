"""Statistical tests for drift, one module per test, registered by name in `registry`."""

from __future__ import annotations

from modelci.drift.stattests.base import ColumnKind, Counts, Numeric, Sample, StatTest
from modelci.drift.stattests.registry import METHODS, default_method, get_method

__all__ = [
    "METHODS",
    "ColumnKind",
    "Counts",
    "Numeric",
    "Sample",
    "StatTest",
    "default_method",
    "get_method",
]
