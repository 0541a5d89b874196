"""Where a canary's numbers come from: both servers' /metrics scraped, or a Prometheus server,
from the command line's options (`modelci.analysis.live.analyse_step` then looks at a step)."""

from __future__ import annotations

from dataclasses import dataclass

from modelci.adapters.prometheus import PrometheusAPI
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
