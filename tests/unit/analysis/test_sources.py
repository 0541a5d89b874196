"""Both metric sources against real exporters: a direct scrape of /metrics, and a real
Prometheus scraping the same exporters, queried with PromQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from modelci.adapters.prometheus import PrometheusAPI, Sample
from modelci.analysis import Verdict, analyse
from modelci.analysis.sources import (
    PrometheusSource,
    ScrapeSource,
    VersionFilter,
    increments,
)
from modelci.config.rollout import AnalysisConfig, RolloutConfig
from modelci.errors import ServiceError
from tests.support.metrics_servers import Exporter, exporter_pair, run_prometheus

CONFIG = RolloutConfig(analysis=AnalysisConfig(min_requests=50))


@pytest.fixture
def exporters() -> Iterator[tuple[Exporter, Exporter]]:
    with exporter_pair() as pair:
        yield pair


def _traffic(exporter: Exporter, rng: np.random.Generator, n: int, *, errors: int = 0) -> None:
    for index in range(n):
        code = 500 if index < errors else 200
        exporter.serve(float(rng.lognormal(np.log(0.008), 0.3)), float(rng.beta(2, 5)), code=code)


def test_scrape_window_is_the_difference_of_two_scrapes(
    exporters: tuple[Exporter, Exporter],
) -> None:
    stable, canary = exporters
    rng = np.random.default_rng(0)
    _traffic(stable, rng, 40)  # before the window opens: not counted
    source = ScrapeSource(stable.url, canary.url)
    mark = source.mark()
    _traffic(stable, rng, 300, errors=3)
    _traffic(canary, rng, 120, errors=30)
    window = source.window(mark)
    assert (window.stable.requests, window.stable.errors) == (300, 3)
    assert (window.canary.requests, window.canary.errors) == (120, 30)
    assert window.canary.latency is not None and window.canary.latency.total == 120
    assert window.canary.scores is not None and window.canary.scores.total == 90
    assert sum(window.stable.classes.values()) == 297
    verdict = analyse(window, 10, CONFIG)
    assert verdict.verdict is Verdict.FAIL
    assert [c.name for c in verdict.checks if c.status == "fail"] == ["errors"]


def test_scrape_source_filters_by_version(exporters: tuple[Exporter, Exporter]) -> None:
    stable, canary = exporters
    source = ScrapeSource(
        stable.url, canary.url, stable=VersionFilter("v1"), canary=VersionFilter("v9")
    )
    mark = source.mark()
    _traffic(canary, np.random.default_rng(1), 10)
    window = source.window(mark)
    assert window.canary.requests == 0  # the canary's series are labelled v2, not v9


def test_a_reset_counter_counts_from_zero() -> None:
    key = (("code", "200"), ("endpoint", "infer"))
    before = [Sample("modelci_requests_total", key, 500.0)]
    after = [
        Sample("modelci_requests_total", key, 20.0),
        Sample("modelci_requests_total", (("code", "500"), ("endpoint", "infer")), 2.0),
    ]
    assert [s.value for s in increments(before, after)] == [20.0, 2.0]


def test_an_unreachable_server_is_a_service_error() -> None:
    source = ScrapeSource("http://127.0.0.1:9/metrics", "http://127.0.0.1:9/metrics")
    with pytest.raises(ServiceError, match=r"could not scrape metrics from http://127.0.0.1:9"):
        source.mark()


@pytest.fixture
def prometheus(exporters: tuple[Exporter, Exporter], tmp_path: Path) -> Iterator[str]:
    targets = [e.url.removeprefix("http://").removesuffix("/metrics") for e in exporters]
    with run_prometheus(targets, tmp_path) as url:
        yield url


def test_prometheus_source_agrees_with_the_direct_scrape(
    exporters: tuple[Exporter, Exporter], prometheus: str
) -> None:
    stable, canary = exporters
    rng = np.random.default_rng(2)
    scraped = ScrapeSource(stable.url, canary.url)
    queried = PrometheusSource(
        PrometheusAPI(prometheus),
        stable=VersionFilter("v1", model="fraud"),
        canary=VersionFilter("v2", model="fraud"),
    )
    time.sleep(2)  # a scrape before the window opens: increase() needs a sample at its start
    scrape_mark, query_mark = scraped.mark(), queried.mark()
    _traffic(stable, rng, 400, errors=2)
    _traffic(canary, rng, 200, errors=20)
    time.sleep(3)  # two more scrapes, so Prometheus holds every request
    direct = scraped.window(scrape_mark)
    window = queried.window(query_mark)
    # increase() extrapolates to the window's edges, so its counts may exceed the true ones a
    # little, never fall short.
    for version, truth in ((window.stable, direct.stable), (window.canary, direct.canary)):
        assert truth.requests <= version.requests <= truth.requests * 1.4
        assert truth.errors <= version.errors <= max(truth.errors * 1.4, truth.errors + 1)
        assert version.latency is not None and version.scores is not None
        assert version.latency.bounds == truth.latency.bounds  # type: ignore[union-attr]
    assert analyse(window, 10, CONFIG).verdict is analyse(direct, 10, CONFIG).verdict
    assert analyse(window, 10, CONFIG).verdict is Verdict.FAIL


def test_prometheus_refusing_a_query_is_a_service_error(prometheus: str) -> None:
    with pytest.raises(ServiceError, match=r"refused the query 'sum\(': bad_data"):
        PrometheusAPI(prometheus).query("sum(")
