"""The canary analysis's statistics, by simulation: detection power and false rollbacks.

- Power: for each check, the canary requests one window needs for the check to catch a given
  regression with 95 percent power (a 5-point error-rate rise, over 0 and over 1 percent; a
  1.5x slower latency; a +0.1 shift of every predicted score), at the first look (step 10:
  stable serves 9 requests for each of the canary's) and the last (step 50: one for one),
  each check at the alpha the default configuration gives it there (alpha 0.05, Pocock
  spending over 3 looks, Bonferroni over 4 checks), traffic recorded in the server's buckets.
- A/A: whole rollouts (steps 10, 25, 50, 100; every check at every look) with the same model as
  canary and stable; the share that rolled back, with its 95 percent Clopper-Pearson interval,
  with the default tolerances and with every tolerance at zero (the tests alone: what the alpha
  spending itself guarantees).

Time from a failing verdict to zero canary traffic is the router's figure
(benchmarks/canary_router.py).

    python benchmarks/canary.py [--runs 400] [--rollouts 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from scipy.stats import binomtest

from modelci.analysis import CheckResult, CheckStatus, Window, check_alpha
from modelci.analysis.errors import check_errors
from modelci.analysis.latency import check_latency
from modelci.analysis.predictions import check_scores
from modelci.analysis.simulation import Traffic, false_rollback_rate, step_window
from modelci.config.rollout import (
    AnalysisConfig,
    DistributionCheckConfig,
    ErrorsCheckConfig,
    LatencyCheckConfig,
    RolloutConfig,
)

SIZES = (25, 50, 75, 100, 125, 150, 200, 250, 300, 400, 600, 800, 1200)
STABLE = Traffic()
SCENARIOS: dict[str, tuple[str, Traffic, Callable[[Window, float], CheckResult]]] = {
    "errors": (
        "error rate 0% -> 5%",
        Traffic(error_rate=0.05),
        lambda w, a: check_errors(w, a, ErrorsCheckConfig()),
    ),
    "errors ": (
        "error rate 1% -> 6%",
        Traffic(error_rate=0.06),
        lambda w, a: check_errors(w, a, ErrorsCheckConfig()),
    ),
    "latency": (
        "latency x1.5 (8 -> 12 ms median)",
        Traffic(latency_median=STABLE.latency_median * 1.5),
        lambda w, a: check_latency(w, a, LatencyCheckConfig()),
    ),
    "scores": (
        "mean score +0.1",
        Traffic(score_shift=0.1),
        lambda w, a: check_scores(w, a, DistributionCheckConfig()),
    ),
}


def power(
    rng: np.random.Generator,
    stable: Traffic,
    step: int,
    canary_requests: int,
    canary: Traffic,
    check: Callable[[Window, float], CheckResult],
    alpha: float,
    runs: int,
) -> float:
    # The window's total traffic such that the canary's expected share is `canary_requests`.
    total = round(canary_requests * 100 / step)
    caught = sum(
        check(step_window(rng, step, total, stable, canary), alpha).status is CheckStatus.FAIL
        for _ in range(runs)
    )
    return caught / runs


def needed(step: int, name: str, runs: int, seed: int) -> tuple[int | None, float]:
    _, canary, check = SCENARIOS[name]
    stable = Traffic(error_rate=0.0) if canary.error_rate == 0.05 else STABLE
    _, _, alpha = check_alpha(RolloutConfig(), step)
    rng = np.random.default_rng(seed)
    for size in SIZES:
        measured = power(rng, stable, step, size, canary, check, alpha, runs)
        if measured >= 0.95:
            return size, measured
    return None, measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=400, help="simulated windows per size")
    parser.add_argument("--rollouts", type=int, default=2000, help="A/A rollouts per setting")
    parser.add_argument("--window", type=int, default=1000, help="A/A requests per window")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    started = time.perf_counter()
    print("Canary requests one window needs to catch each regression with 95% power")
    print("(goal: each within 200; the default min_requests is 100 per version)\n")
    print("| Check | Regression | Step 10 (look 1) | Step 50 (look 3) | Goal <= 200 |")
    print("| --- | --- | ---: | ---: | --- |")
    for name, (label, _, _) in SCENARIOS.items():
        cells = []
        worst = 0
        for step in (10, 50):
            size, measured = needed(step, name, args.runs, args.seed)
            worst = max(worst, size or 10**9)
            cells.append(f"{size} ({measured:.0%})" if size else f"> {SIZES[-1]}")
        verdict = "met" if worst <= 200 else "missed"
        print(f"| {name.strip()} | {label} | {cells[0]} | {cells[1]} | {verdict} |")

    print(f"\nFalse rollbacks of {args.rollouts} A/A rollouts (steps 10, 25, 50, 100; all checks)")
    print(f"({args.window} requests per window; goal at or below alpha 0.05)\n")
    print("| Setting | Rolled back | Rate | 95% interval |")
    print("| --- | ---: | ---: | --- |")
    bare = AnalysisConfig(
        errors=ErrorsCheckConfig(max_increase=0),
        latency=LatencyCheckConfig(max_ratio=1),
        scores=DistributionCheckConfig(max_psi=1e-9),
        classes=DistributionCheckConfig(max_psi=1e-9),
    )
    for label, config in (
        ("default tolerances", RolloutConfig()),
        ("tests alone (tolerances 0)", RolloutConfig(analysis=bare)),
    ):
        rate = false_rollback_rate(config, args.rollouts, args.window, seed=args.seed + 1)
        count = round(rate * args.rollouts)
        interval = binomtest(count, args.rollouts).proportion_ci(0.95)
        print(f"| {label} | {count} | {rate:.2%} | {interval.low:.2%} to {interval.high:.2%} |")
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
