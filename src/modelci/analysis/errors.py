"""Errors: is canary's error rate higher than stable's, by more than the tolerance?

A one-sided two-proportion test: Fisher's exact test when any expected cell count is below 5
(small windows, or error rates near zero), else the pooled z-test. It fails when the test is
significant at this look's alpha and the observed rise exceeds `max_increase`.
"""

from __future__ import annotations

import math

from scipy.stats import fisher_exact, norm

from modelci.analysis.verdict import CheckResult, CheckStatus, judge
from modelci.analysis.window import Window
from modelci.config.rollout import ErrorsCheckConfig

NAME = "errors"
SMALL_EXPECTED = 5


def error_rise_p_value(
    canary_errors: int, canary_requests: int, stable_errors: int, stable_requests: int
) -> tuple[float, str]:
    """(one-sided p-value that canary's error rate exceeds stable's, the test's name)."""
    errors = canary_errors + stable_errors
    total = canary_requests + stable_requests
    expected = [
        canary_requests * errors / total,
        stable_requests * errors / total,
        canary_requests * (total - errors) / total,
        stable_requests * (total - errors) / total,
    ]
    if min(expected) < SMALL_EXPECTED:
        table = [
            [canary_errors, canary_requests - canary_errors],
            [stable_errors, stable_requests - stable_errors],
        ]
        return float(fisher_exact(table, alternative="greater").pvalue), "Fisher's exact test"
    pooled = errors / total
    spread = math.sqrt(pooled * (1 - pooled) * (1 / canary_requests + 1 / stable_requests))
    rise = canary_errors / canary_requests - stable_errors / stable_requests
    return float(norm.sf(rise / spread)), "two-proportion z-test"


def check_errors(window: Window, alpha: float, config: ErrorsCheckConfig) -> CheckResult:
    canary, stable = window.canary, window.stable
    if canary.requests == 0 or stable.requests == 0:
        return CheckResult(
            NAME, CheckStatus.NO_DATA, "no requests on one side: no error rates to compare"
        )
    canary_rate = canary.errors / canary.requests
    stable_rate = stable.errors / stable.requests
    rise = canary_rate - stable_rate
    p_value, test = error_rise_p_value(
        canary.errors, canary.requests, stable.errors, stable.requests
    )
    rates = (
        f"canary {canary.errors}/{canary.requests} ({canary_rate:.2%}) against stable "
        f"{stable.errors}/{stable.requests} ({stable_rate:.2%})"
    )
    allowed = f"the allowed {config.max_increase * 100:g} points"
    beyond = rise > config.max_increase
    return judge(
        NAME,
        test=test,
        p_value=p_value,
        alpha=alpha,
        effect=rise,
        effect_name="error-rate rise (canary - stable)",
        tolerance=config.max_increase,
        beyond=beyond,
        observed=(
            f"error rate rose by {rise * 100:.2f} points, beyond {allowed}: {rates}"
            if beyond
            else f"error rate {rates}"
        ),
        within=f"a rise of {rise * 100:.2f} points is within {allowed}",
        details=(("canary_error_rate", canary_rate), ("stable_error_rate", stable_rate)),
    )
