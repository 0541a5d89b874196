"""Latency: is the canary slower than stable, by more than the tolerance?

From per-request durations when a source has them, else from the latency histograms' buckets
(what /metrics gives): a one-sided Mann-Whitney U test of canary against stable (on bucket
indices when bucketed: an ordinal test, ties handled by scipy's tie correction). The effect is the
ratio of canary's quantiles (p50, p95) to stable's, interpolated inside buckets as Prometheus's
histogram_quantile does. It fails when the test is significant at this look's alpha and some
quantile ratio exceeds `max_ratio`. The common-language effect size P(canary slower) is reported.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import mannwhitneyu

from modelci.analysis.verdict import CheckResult, CheckStatus, different_buckets, judge
from modelci.analysis.window import Histogram, Window
from modelci.config.rollout import LatencyCheckConfig

NAME = "latency"


def _from_histograms(
    canary: Histogram, stable: Histogram, quantiles: tuple[float, ...]
) -> tuple[float, float, list[tuple[float, float, float]]]:
    index = np.arange(len(canary.bounds))
    result = mannwhitneyu(
        np.repeat(index, canary.counts), np.repeat(index, stable.counts), alternative="greater"
    )
    probability = float(result.statistic) / (canary.total * stable.total)
    return (
        float(result.pvalue),
        probability,
        [(q, canary.quantile(q), stable.quantile(q)) for q in quantiles],
    )


def _from_durations(
    canary: tuple[float, ...], stable: tuple[float, ...], quantiles: tuple[float, ...]
) -> tuple[float, float, list[tuple[float, float, float]]]:
    result = mannwhitneyu(canary, stable, alternative="greater")
    probability = float(result.statistic) / (len(canary) * len(stable))
    canary_q = np.quantile(canary, quantiles)
    stable_q = np.quantile(stable, quantiles)
    return (
        float(result.pvalue),
        probability,
        [(q, float(c), float(s)) for q, c, s in zip(quantiles, canary_q, stable_q, strict=True)],
    )


def check_latency(window: Window, alpha: float, config: LatencyCheckConfig) -> CheckResult:
    canary, stable = window.canary, window.stable
    if canary.durations and stable.durations:
        p_value, probability, compared = _from_durations(
            canary.durations, stable.durations, config.quantiles
        )
        test = "Mann-Whitney U on per-request durations"
    elif canary.latency and stable.latency and canary.latency.total and stable.latency.total:
        if canary.latency.bounds != stable.latency.bounds:
            return different_buckets(NAME, canary.latency, stable.latency)
        p_value, probability, compared = _from_histograms(
            canary.latency, stable.latency, config.quantiles
        )
        test = "Mann-Whitney U on latency buckets"
    else:
        return CheckResult(NAME, CheckStatus.NO_DATA, "no latency observations on one side")
    ratios = [(q, c, s, c / s if s > 0 else math.inf if c > 0 else 1.0) for q, c, s in compared]
    worst = max(ratios, key=lambda row: row[3])
    shown = ", ".join(
        f"p{q * 100:g} {c * 1000:.1f} ms vs {s * 1000:.1f} ms ({r:.2f}x)" for q, c, s, r in ratios
    )
    beyond = worst[3] > config.max_ratio
    return judge(
        NAME,
        test=test,
        p_value=p_value,
        alpha=alpha,
        effect=worst[3],
        effect_name=f"p{worst[0] * 100:g} ratio (canary / stable)",
        tolerance=config.max_ratio,
        beyond=beyond,
        observed=(
            f"canary slower: p{worst[0] * 100:g} is {worst[3]:.2f}x stable's, beyond the "
            f"allowed {config.max_ratio:g}x ({shown}), P(canary slower) = {probability:.2f}"
            if beyond
            else f"latency {shown}, P(canary slower) = {probability:.2f}"
        ),
        within=f"within the allowed {config.max_ratio:g}x",
        details=(
            ("probability_canary_slower", probability),
            *((f"p{q * 100:g}_ratio", r) for q, _, _, r in ratios),
        ),
    )
