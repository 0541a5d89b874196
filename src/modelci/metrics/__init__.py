"""Metrics and params: flatten, diff between two revisions, and evaluate gates."""

from modelci.metrics.diff import Change, diff_files, flatten, is_number
from modelci.metrics.gates import GateResult, evaluate_gates, resolve_metric

__all__ = [
    "Change",
    "GateResult",
    "diff_files",
    "evaluate_gates",
    "flatten",
    "is_number",
    "resolve_metric",
]
