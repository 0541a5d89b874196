"""What the analysis returns: a result per check, and a verdict per step, each with its reasons."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from modelci.analysis.window import Histogram


class CheckStatus(StrEnum):
    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    FAIL = "fail"
    NO_DATA = "no-data"


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 (a verdict, not a password); continue to the next step (or promote, at the last look)
    FAIL = "fail"  # roll back
    INCONCLUSIVE = "inconclusive"  # wait longer: never promotes by default


@dataclass(frozen=True)
class CheckResult:
    """One check of canary against stable: the test's p-value against this look's alpha, and
    the effect against its tolerance. It fails only when both are beyond their bounds."""

    name: str
    status: CheckStatus
    reason: str
    test: str | None = None
    p_value: float | None = None
    alpha: float | None = None
    effect: float | None = None
    effect_name: str | None = None
    tolerance: float | None = None
    details: tuple[tuple[str, float], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": str(self.status),
            "reason": self.reason,
            "test": self.test,
            "p_value": self.p_value,
            "alpha": self.alpha,
            "effect": self.effect,
            "effect_name": self.effect_name,
            "tolerance": self.tolerance,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class StepVerdict:
    """The analysis of one step: a verdict, a score (share of checks with data that passed,
    0 to 100, None when none had data), the checks and the reasons for the verdict."""

    step: int
    look: int
    looks: int
    verdict: Verdict
    score: float | None
    alpha: float
    checks: tuple[CheckResult, ...]
    reasons: tuple[str, ...]
    canary_requests: int
    stable_requests: int

    @property
    def promotes(self) -> bool:
        """True when this is the last look and it passed: the canary may take all traffic."""
        return self.verdict is Verdict.PASS and self.look == self.looks

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "look": self.look,
            "looks": self.looks,
            "verdict": str(self.verdict),
            "score": self.score,
            "alpha": self.alpha,
            "canary_requests": self.canary_requests,
            "stable_requests": self.stable_requests,
            "reasons": list(self.reasons),
            "checks": [check.to_json() for check in self.checks],
        }


def different_buckets(name: str, canary: Histogram, stable: Histogram) -> CheckResult:
    """No data to compare: the two versions bucket their histograms differently."""
    return CheckResult(
        name,
        CheckStatus.NO_DATA,
        f"canary and stable histograms have different buckets ({len(canary.bounds)} and "
        f"{len(stable.bounds)} bounds): serve both versions with the same modelci",
    )


def judge(
    name: str,
    *,
    test: str,
    p_value: float,
    alpha: float,
    effect: float,
    effect_name: str,
    tolerance: float,
    beyond: bool,
    observed: str,
    within: str,
    details: tuple[tuple[str, float], ...] = (),
) -> CheckResult:
    """A check's result: it fails only when the test is significant at `alpha` AND the effect is
    `beyond` its tolerance. `observed` states the measurements; `within` says why a significant
    but small effect passes."""
    significant = p_value < alpha
    failed = significant and beyond
    if failed:
        why = f"p = {p_value:.3g} < alpha {alpha:.3g}"
    elif not significant:
        why = f"p = {p_value:.3g} >= alpha {alpha:.3g}: within noise"
    else:
        why = f"p = {p_value:.3g} < alpha {alpha:.3g}, but {within}"
    return CheckResult(
        name,
        CheckStatus.FAIL if failed else CheckStatus.PASS,
        f"{observed}; {test} {why}",
        test=test,
        p_value=p_value,
        alpha=alpha,
        effect=effect,
        effect_name=effect_name,
        tolerance=tolerance,
        details=details,
    )
