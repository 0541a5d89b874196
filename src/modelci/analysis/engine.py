"""One step's analysis: every enabled check of canary against stable, at the alpha this look may
spend, turned into a verdict with a score and reasons."""

from __future__ import annotations

from collections.abc import Callable

from modelci.analysis.errors import check_errors
from modelci.analysis.latency import check_latency
from modelci.analysis.predictions import check_classes, check_scores
from modelci.analysis.spending import analysed_steps, look_alphas
from modelci.analysis.verdict import CheckResult, CheckStatus, StepVerdict, Verdict
from modelci.analysis.window import Window
from modelci.config.rollout import AnalysisConfig, RolloutConfig
from modelci.errors import UsageError

Check = Callable[[Window, float, AnalysisConfig], CheckResult]

CHECKS: dict[str, Check] = {
    "errors": lambda window, alpha, config: check_errors(window, alpha, config.errors),
    "latency": lambda window, alpha, config: check_latency(window, alpha, config.latency),
    "scores": lambda window, alpha, config: check_scores(window, alpha, config.scores),
    "classes": lambda window, alpha, config: check_classes(window, alpha, config.classes),
}


def enabled_checks(config: AnalysisConfig) -> tuple[str, ...]:
    """The checks that run, in a fixed order: the Bonferroni split counts them, data or not."""
    return tuple(name for name in CHECKS if getattr(config, name).enabled)


def check_alpha(config: RolloutConfig, step: int) -> tuple[int, int, float]:
    """(look number from 1, number of looks, the alpha each check may spend at `step`)."""
    looks = analysed_steps(config.steps)
    if step not in looks:
        raise UsageError(
            f"step {step} is not an analysed step of this rollout: the analysed steps are "
            f"{', '.join(map(str, looks)) or 'none'}",
            hint="Analyse a step below 100 from modelci.rollout.steps (at 100 percent no traffic "
            "is left on stable to compare with).",
        )
    checks = enabled_checks(config.analysis)
    if not checks:
        raise UsageError(
            "every check of the canary analysis is disabled",
            hint="Enable one of modelci.rollout.analysis.errors, latency, scores or classes.",
        )
    look = looks.index(step) + 1
    alpha = look_alphas(config.analysis.alpha, len(looks), config.analysis.spending)[look - 1]
    return look, len(looks), alpha / len(checks)


def analyse(window: Window, step: int, config: RolloutConfig) -> StepVerdict:
    """Compare canary with stable over one window at `step` (canary traffic percent)."""
    look, looks, alpha = check_alpha(config, step)
    analysis = config.analysis
    names = enabled_checks(analysis)
    too_little = [
        f"{side} answered {count} requests, fewer than the {analysis.min_requests} required"
        for side, count in (
            ("canary", window.canary.requests),
            ("stable", window.stable.requests),
        )
        if count < analysis.min_requests
    ]
    if too_little:
        # No test runs, so no alpha is spent: the caller waits and analyses a longer window as
        # this same look.
        checks = tuple(
            CheckResult(name, CheckStatus.NO_DATA, "not run: too little traffic") for name in names
        )
        return _verdict(window, step, look, looks, alpha, Verdict.INCONCLUSIVE, checks, too_little)
    checks = tuple(CHECKS[name](window, alpha, analysis) for name in names)
    failed = [c for c in checks if c.status is CheckStatus.FAIL]
    missing = [c for c in checks if c.status is CheckStatus.NO_DATA]
    if failed:
        return _verdict(
            window, step, look, looks, alpha, Verdict.FAIL, checks,
            [f"{c.name}: {c.reason}" for c in failed],
        )  # fmt: skip
    if len(missing) == len(checks) or (missing and analysis.on_no_data == "inconclusive"):
        return _verdict(
            window, step, look, looks, alpha, Verdict.INCONCLUSIVE, checks,
            [f"{c.name}: {c.reason}" for c in missing],
        )  # fmt: skip
    reasons = [f"{c.name}: {c.reason}" for c in checks if c.status is CheckStatus.PASS]
    reasons += [f"{c.name} ignored: {c.reason}" for c in missing]
    return _verdict(window, step, look, looks, alpha, Verdict.PASS, checks, reasons)


def _verdict(
    window: Window,
    step: int,
    look: int,
    looks: int,
    alpha: float,
    verdict: Verdict,
    checks: tuple[CheckResult, ...],
    reasons: list[str],
) -> StepVerdict:
    ran = [c for c in checks if c.status is not CheckStatus.NO_DATA]
    passed = sum(c.status is CheckStatus.PASS for c in ran)
    return StepVerdict(
        step=step,
        look=look,
        looks=looks,
        verdict=verdict,
        score=round(100 * passed / len(ran), 1) if ran else None,
        alpha=alpha,
        checks=checks,
        reasons=tuple(reasons),
        canary_requests=window.canary.requests,
        stable_requests=window.stable.requests,
    )
