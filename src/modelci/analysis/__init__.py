"""Canary analysis: each step's window of canary against stable, checked for errors, latency,
predicted scores and decided classes, with alpha spent across the rollout's looks.

    verdict = analyse(window, step=10, config=RolloutConfig())
    verdict.verdict, verdict.score, verdict.reasons

Pure functions and small data classes; nothing prints. Metric sources (a direct scrape of the
servers' /metrics, or a Prometheus server) are in `modelci.analysis.sources`.
"""

from __future__ import annotations

from modelci.analysis.engine import analyse, check_alpha, enabled_checks
from modelci.analysis.spending import analysed_steps, look_alphas
from modelci.analysis.verdict import CheckResult, CheckStatus, StepVerdict, Verdict
from modelci.analysis.window import Histogram, VersionWindow, Window

__all__ = [
    "CheckResult",
    "CheckStatus",
    "Histogram",
    "StepVerdict",
    "Verdict",
    "VersionWindow",
    "Window",
    "analyse",
    "analysed_steps",
    "check_alpha",
    "enabled_checks",
    "look_alphas",
]
