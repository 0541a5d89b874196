"""Predictions: do canary's predicted scores (or decided classes) differ from stable's?

Over the histogram's buckets (scores) or the classes, adjacent bins are merged until each
expects at least `min_expected` rows on both sides (so the chi-square approximation holds); over
those same bins, a chi-square test of homogeneity (2 x bins) and the population stability index.
It fails when the test is significant at this look's alpha and PSI reaches `max_psi`: a
difference that is real and large enough to matter.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from scipy.stats import chi2_contingency

from modelci.analysis.verdict import CheckResult, CheckStatus, different_buckets, judge
from modelci.analysis.window import Window
from modelci.config.rollout import DistributionCheckConfig
from modelci.drift.stattests.base import Counts
from modelci.drift.stattests.psi import psi_value

IntArray = npt.NDArray[np.int64]


def merge_sparse_bins(
    canary: IntArray, stable: IntArray, min_expected: float
) -> tuple[IntArray, IntArray]:
    """Pool adjacent bins, left to right, until each expects `min_expected` on the smaller side."""
    smaller = min(canary.sum(), stable.sum())
    total = canary.sum() + stable.sum()
    edges: list[int] = []
    pooled = 0
    for index, column in enumerate(canary + stable):
        pooled += int(column)
        if pooled * smaller / total >= min_expected:
            edges.append(index + 1)
            pooled = 0
    if not edges:
        edges = [len(canary)]
    edges[-1] = len(canary)  # a short tail joins the last full bin
    starts = [0, *edges[:-1]]
    return (
        np.add.reduceat(canary, starts).astype(np.int64),
        np.add.reduceat(stable, starts).astype(np.int64),
    )


def compare_counts(
    name: str,
    what: str,
    canary: IntArray,
    stable: IntArray,
    alpha: float,
    config: DistributionCheckConfig,
    extra: tuple[tuple[str, float], ...] = (),
) -> CheckResult:
    if canary.sum() == 0 or stable.sum() == 0:
        return CheckResult(name, CheckStatus.NO_DATA, f"no {what} on one side")
    merged_canary, merged_stable = merge_sparse_bins(canary, stable, config.min_expected)
    bins = len(merged_canary)
    if bins < 2:
        return CheckResult(
            name,
            CheckStatus.PASS,
            f"{what}: all rows in one bin on both sides (after merging sparse bins)",
            test="chi-square test of homogeneity",
            p_value=1.0,
            alpha=alpha,
        )
    table = np.vstack([merged_canary, merged_stable])
    p_value = float(chi2_contingency(table, correction=False).pvalue)
    psi = psi_value(
        Counts(labels=tuple(range(bins)), reference=merged_stable, current=merged_canary)
    )
    beyond = psi >= config.max_psi
    return judge(
        name,
        test=f"chi-square test over {bins} bins",
        p_value=p_value,
        alpha=alpha,
        effect=psi,
        effect_name="PSI",
        tolerance=config.max_psi,
        beyond=beyond,
        observed=(
            f"{what} differ: PSI {psi:.3f} >= {config.max_psi:g}"
            if beyond
            else f"{what}: PSI {psi:.3f}"
        ),
        within=f"a small difference (PSI below {config.max_psi:g})",
        details=extra,
    )


def check_scores(window: Window, alpha: float, config: DistributionCheckConfig) -> CheckResult:
    canary, stable = window.canary.scores, window.stable.scores
    if canary is None or stable is None:
        return CheckResult("scores", CheckStatus.NO_DATA, "no score histogram on one side")
    if canary.bounds != stable.bounds:
        return different_buckets("scores", canary, stable)
    means = (("canary_mean_score", canary.mean()), ("stable_mean_score", stable.mean()))
    return compare_counts(
        "scores",
        "predicted scores",
        np.array(canary.counts, dtype=np.int64),
        np.array(stable.counts, dtype=np.int64),
        alpha,
        config,
        extra=means,
    )


def check_classes(window: Window, alpha: float, config: DistributionCheckConfig) -> CheckResult:
    labels = sorted(set(window.canary.classes) | set(window.stable.classes))
    return compare_counts(
        "classes",
        "decided classes",
        _aligned(window.canary.classes, labels),
        _aligned(window.stable.classes, labels),
        alpha,
        config,
    )


def _aligned(counts: Mapping[str, int], labels: list[str]) -> IntArray:
    return np.array([counts.get(label, 0) for label in labels], dtype=np.int64)
