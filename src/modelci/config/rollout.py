"""`modelci: rollout:` in params.yaml: the canary rollout's steps and its analysis thresholds.

    modelci:
      rollout:
        steps: [10, 25, 50, 100]      # canary traffic percent per step; each step is one look
        window_seconds: 60            # how long each step's analysis window lasts
        analysis:
          alpha: 0.05                 # false-rollback rate of a whole rollout, all checks together
          spending: pocock            # or obrien-fleming, uniform: alpha spent across looks
          min_requests: 100           # per version and window; fewer is `inconclusive`
          errors: {max_increase: 0.01, statuses: ["5xx"]}
          latency: {max_ratio: 1.2, quantiles: [0.5, 0.95]}
          scores: {max_psi: 0.1}
          classes: {max_psi: 0.1}

Every key is optional. A check fails only when its test is significant at the alpha this look
spends on it AND its effect is beyond the tolerance (README, "Canary analysis").
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Spending = Literal["pocock", "obrien-fleming", "uniform"]
NoData = Literal["ignore", "inconclusive"]
Share = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorsCheckConfig(_Model):
    """Errors: canary's error rate against stable's (Fisher's exact test, or a z-test)."""

    enabled: bool = True
    max_increase: float = Field(
        default=0.01,
        ge=0,
        lt=1,
        allow_inf_nan=False,
        description="how many points (as a share: 0.01 = 1 point) canary's error rate may exceed "
        "stable's before a significant rise fails",
    )
    statuses: tuple[Annotated[str, Field(pattern=r"^[1-5]([0-9]{2}|xx)$")], ...] = Field(
        default=("5xx",),
        min_length=1,
        description='HTTP status codes counted as errors: exact ("503") or a class ("5xx")',
    )


class LatencyCheckConfig(_Model):
    """Latency: canary's durations against stable's (Mann-Whitney U, on buckets or per request)."""

    enabled: bool = True
    max_ratio: float = Field(
        default=1.2,
        ge=1,
        allow_inf_nan=False,
        description="canary's quantile may be up to this many times stable's",
    )
    quantiles: tuple[Share, ...] = Field(
        default=(0.5, 0.95), min_length=1, description="quantiles compared against max_ratio"
    )


class DistributionCheckConfig(_Model):
    """Predicted scores or decided classes: a binned chi-square test and PSI over the same bins."""

    enabled: bool = True
    max_psi: float = Field(
        default=0.1,
        gt=0,
        allow_inf_nan=False,
        description="PSI at or above this, with a significant chi-square test, fails",
    )
    min_expected: float = Field(
        default=5,
        gt=0,
        allow_inf_nan=False,
        description="adjacent bins are merged until each expects at least this many rows",
    )


class AnalysisConfig(_Model):
    """The statistics of each step's comparison of canary against stable."""

    alpha: Share = Field(
        default=0.05,
        description="false-rollback rate allowed over a whole rollout (all steps and checks)",
    )
    spending: Spending = Field(
        default="pocock",
        description="how alpha is spent across the steps: `pocock` (even, catches a bad canary "
        "early), `obrien-fleming` (little early, most at the last step) or `uniform`",
    )
    min_requests: int = Field(
        default=100,
        ge=1,
        strict=True,
        description="requests each version must answer in a window; fewer is inconclusive",
    )
    on_no_data: NoData = Field(
        default="ignore",
        description="a check without data (say, no score histogram): `ignore` it, or make the "
        "step `inconclusive`",
    )
    promote_inconclusive: bool = Field(
        default=False, description="let an inconclusive last step promote (not advised)"
    )
    errors: ErrorsCheckConfig = Field(default_factory=ErrorsCheckConfig)
    latency: LatencyCheckConfig = Field(default_factory=LatencyCheckConfig)
    scores: DistributionCheckConfig = Field(default_factory=DistributionCheckConfig)
    classes: DistributionCheckConfig = Field(default_factory=DistributionCheckConfig)


class RolloutConfig(_Model):
    """The `modelci.rollout` section: steps, window and analysis of a canary rollout."""

    steps: tuple[Annotated[int, Field(gt=0, le=100, strict=True)], ...] = Field(
        default=(10, 25, 50, 100),
        min_length=1,
        description="canary traffic percent per step, rising, ending at 100",
    )
    window_seconds: float = Field(
        default=60, gt=0, allow_inf_nan=False, description="length of each step's analysis window"
    )
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)

    @field_validator("steps")
    @classmethod
    def _rising_to_100(cls, steps: tuple[int, ...]) -> tuple[int, ...]:
        if any(b <= a for a, b in pairwise(steps)):
            raise ValueError(f"steps must rise, got {list(steps)}")
        if steps[-1] != 100:
            raise ValueError(f"the last step must be 100 (the canary takes all), got {steps[-1]}")
        return steps
