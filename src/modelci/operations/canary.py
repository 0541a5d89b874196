"""Analyse one step of a canary rollout over a live window, waiting longer when traffic is thin.

The window opens, stays open `window_seconds`, and is analysed. An inconclusive verdict (too
little traffic) keeps the same window open for another `window_seconds`, up to `waits` times:
the step is still one look, analysed once it has enough traffic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from modelci.adapters.prometheus import PrometheusAPI
from modelci.analysis import StepVerdict, Verdict, analyse, check_alpha
from modelci.analysis.sources import MetricSource, PrometheusSource, ScrapeSource, VersionFilter
from modelci.config.rollout import RolloutConfig
from modelci.errors import UsageError


@dataclass(frozen=True)
class SourceSpec:
    """Where the numbers come from: both servers' /metrics, or a Prometheus server."""

    stable_url: str | None = None
    canary_url: str | None = None
    prometheus_url: str | None = None
    model: str | None = None
    stable_version: str | None = None
    canary_version: str | None = None


def make_source(spec: SourceSpec, config: RolloutConfig) -> MetricSource:
    statuses = config.analysis.errors.statuses
    stable = VersionFilter(spec.stable_version, spec.model)
    canary = VersionFilter(spec.canary_version, spec.model)
    if spec.prometheus_url:
        if spec.stable_url or spec.canary_url:
            raise UsageError(
                "give either --prometheus or --stable-url and --canary-url, not both",
                hint="On one host scrape the servers directly; with Prometheus, query it.",
            )
        if not (spec.stable_version and spec.canary_version):
            raise UsageError(
                "--prometheus needs --stable-version and --canary-version",
                hint="They are the `version` labels that tell the two servers' series apart.",
            )
        return PrometheusSource(
            PrometheusAPI(spec.prometheus_url), stable=stable, canary=canary, statuses=statuses
        )
    if not (spec.stable_url and spec.canary_url):
        raise UsageError(
            "no metric source: give --stable-url and --canary-url (each server's /metrics), "
            "or --prometheus",
            hint="Example: --stable-url http://127.0.0.1:8081/metrics "
            "--canary-url http://127.0.0.1:8082/metrics",
        )
    return ScrapeSource(
        spec.stable_url, spec.canary_url, stable=stable, canary=canary, statuses=statuses
    )


def analyse_step(
    source: MetricSource,
    step: int,
    config: RolloutConfig,
    *,
    window_seconds: float | None = None,
    waits: int = 2,
    sleep: Callable[[float], None] = time.sleep,
) -> StepVerdict:
    """Open a window, wait, analyse; on too little traffic wait longer (the same window)."""
    check_alpha(config, step)  # an unknown step fails before any waiting
    seconds = config.window_seconds if window_seconds is None else window_seconds
    mark = source.mark()
    for attempt in range(waits + 1):
        sleep(seconds)
        verdict = analyse(source.window(mark), step, config)
        if verdict.verdict is not Verdict.INCONCLUSIVE or attempt == waits:
            return verdict
    raise AssertionError("unreachable: the last attempt returns")
