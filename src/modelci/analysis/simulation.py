"""Simulated windows, for measuring the analysis: its false-rollback rate when canary and stable
are the same model (A/A), and the traffic each check needs to catch a given regression.

Traffic is drawn as the model server would record it: latencies into the server's latency
buckets, scores into its score buckets, classes at a 0.5 threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelci.analysis.engine import analyse
from modelci.analysis.series import LATENCY_BUCKETS, SCORE_BUCKETS
from modelci.analysis.verdict import Verdict
from modelci.analysis.window import Histogram, VersionWindow, Window
from modelci.config.rollout import RolloutConfig


@dataclass(frozen=True)
class Traffic:
    """How one version behaves: error rate, log-normal latency, Beta scores (shifted, clipped)."""

    error_rate: float = 0.01
    latency_median: float = 0.008  # seconds
    latency_spread: float = 0.5  # sigma of log(latency)
    score_a: float = 2.0
    score_b: float = 5.0
    score_shift: float = 0.0


def _bucketed(values: np.ndarray, bounds: tuple[float, ...]) -> Histogram:
    edges = np.searchsorted(np.asarray(bounds), values, side="left")
    counts = np.bincount(edges, minlength=len(bounds) + 1)
    return Histogram(bounds=(*bounds, np.inf), counts=tuple(int(c) for c in counts))


def version_window(
    rng: np.random.Generator, requests: int, traffic: Traffic, *, durations: bool = False
) -> VersionWindow:
    errors = int(rng.binomial(requests, traffic.error_rate))
    seconds = traffic.latency_median * np.exp(
        traffic.latency_spread * rng.standard_normal(requests)
    )
    answered = requests - errors
    scores = np.clip(
        rng.beta(traffic.score_a, traffic.score_b, answered) + traffic.score_shift, 0.0, 1.0
    )
    positives = int(np.count_nonzero(scores >= 0.5))
    return VersionWindow(
        requests=requests,
        errors=errors,
        latency=_bucketed(seconds, LATENCY_BUCKETS),
        scores=_bucketed(scores, SCORE_BUCKETS),
        classes={"0": answered - positives, "1": positives},
        durations=tuple(seconds.tolist()) if durations else None,
    )


def step_window(
    rng: np.random.Generator,
    step: int,
    requests: int,
    stable: Traffic,
    canary: Traffic,
    *,
    durations: bool = False,
) -> Window:
    """`requests` over the window, split `step` percent to the canary."""
    canary_requests = int(rng.binomial(requests, step / 100))
    return Window(
        stable=version_window(rng, requests - canary_requests, stable, durations=durations),
        canary=version_window(rng, canary_requests, canary, durations=durations),
    )


def rolls_back(
    rng: np.random.Generator,
    config: RolloutConfig,
    requests_per_window: int,
    stable: Traffic,
    canary: Traffic,
) -> bool:
    """Run one whole rollout; True when some step's verdict is a rollback."""
    for step in config.steps:
        if step == 100:
            break
        window = step_window(rng, step, requests_per_window, stable, canary)
        if analyse(window, step, config).verdict is Verdict.FAIL:
            return True
    return False


def false_rollback_rate(
    config: RolloutConfig, rollouts: int, requests_per_window: int, seed: int = 0
) -> float:
    """Share of A/A rollouts (the same traffic on both sides) that rolled back."""
    rng = np.random.default_rng(seed)
    same = Traffic()
    rolled_back = sum(
        rolls_back(rng, config, requests_per_window, same, same) for _ in range(rollouts)
    )
    return rolled_back / rollouts
