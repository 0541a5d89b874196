"""Statistics on per-row predictions: bootstrap intervals for metrics and for their change.

bootstrap(head, base, metrics, ...)  percentile intervals, paired when both scored the same rows
bootstrap_groups(...)                 the same within each group of rows (slices), all at once
read_predictions(data, path, ...)    a CSV or Parquet predictions file, checked
METRICS                              the metrics it can recompute, by name

Names load on first use: the report imports `modelci.stats.intervals` (plain data) on every
check, and that must not import numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelci.stats._bootstrap import (
        Estimates,
        GroupEstimates,
        MetricEstimate,
        bootstrap,
        bootstrap_groups,
    )
    from modelci.stats._metrics import METRICS
    from modelci.stats._predictions import Predictions, pairing, read_predictions

__all__ = [
    "METRICS",
    "Estimates",
    "GroupEstimates",
    "MetricEstimate",
    "Predictions",
    "bootstrap",
    "bootstrap_groups",
    "pairing",
    "read_predictions",
]

_HOME = {
    "Estimates": "_bootstrap",
    "GroupEstimates": "_bootstrap",
    "bootstrap_groups": "_bootstrap",
    "MetricEstimate": "_bootstrap",
    "bootstrap": "_bootstrap",
    "METRICS": "_metrics",
    "Predictions": "_predictions",
    "pairing": "_predictions",
    "read_predictions": "_predictions",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(f"modelci.stats.{_HOME[name]}"), name)
        globals()[name] = value  # later lookups (and monkeypatching in tests) see a plain name
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
