"""Drift detection: per-column tests of current data against a reference, as Evidently tests.

    report = detect_drift(reference_frame, current_frame, DriftConfig())
    report.dataset_drift, [c.column for c in report.drifted_columns]

Importing this package is cheap; numpy, scipy and pandas load with the tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelci.drift.config import DriftConfig, load_drift_config
    from modelci.drift.detect import ColumnDrift, DriftReport, Histogram, detect_drift

__all__ = [
    "ColumnDrift",
    "DriftConfig",
    "DriftReport",
    "Histogram",
    "detect_drift",
    "load_drift_config",
]

_HOMES = {
    "DriftConfig": "modelci.drift.config",
    "load_drift_config": "modelci.drift.config",
    "ColumnDrift": "modelci.drift.detect",
    "DriftReport": "modelci.drift.detect",
    "Histogram": "modelci.drift.detect",
    "detect_drift": "modelci.drift.detect",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name not in _HOMES:
        raise AttributeError(f"module 'modelci.drift' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
