"""Where a window's numbers come from, behind one small interface:

    source = ScrapeSource(stable_url, canary_url)          # or PrometheusSource(api, ...)
    mark = source.mark()                                   # the window opens
    ...                                                    # traffic flows for a while
    window = source.window(mark)                           # canary and stable since the mark

`ScrapeSource` scrapes each server's /metrics (the default on one host): a window is the
difference of two scrapes of the cumulative counters and histograms. `PrometheusSource` asks a
Prometheus server that scrapes them (what teams on Kubernetes run), with PromQL `increase()` over
the window. Both read the series named in `modelci.analysis.series`.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from modelci.adapters.prometheus import PrometheusAPI, Sample, scrape
from modelci.analysis import series
from modelci.analysis.window import Histogram, VersionWindow, Window

Key = tuple[str, tuple[tuple[str, str], ...]]


class MetricSource(Protocol):
    def mark(self) -> object:
        """Open a window now; what `window` needs to know where it began."""
        ...

    def window(self, mark: object) -> Window:
        """Canary and stable from `mark` until now."""
        ...


@dataclass(frozen=True)
class VersionFilter:
    """Which series belong to a version: its `version` label (and the model's name), if given."""

    version: str | None = None
    model: str | None = None

    def matches(self, sample: Sample) -> bool:
        return (self.version is None or sample.label(series.VERSION_LABEL) == self.version) and (
            self.model is None or sample.label(series.MODEL_LABEL) == self.model
        )


def increments(before: Iterable[Sample], after: Iterable[Sample]) -> tuple[Sample, ...]:
    """Each cumulative series' increase from one scrape to the next. A series that fell was
    reset (the server restarted), so its whole later value is the increase, as Prometheus reads
    it; one that is new started at zero."""
    earlier: dict[Key, float] = {(s.name, s.labels): s.value for s in before}
    result = []
    for sample in after:
        start = earlier.get((sample.name, sample.labels), 0.0)
        rise = sample.value - start if sample.value >= start else sample.value
        result.append(Sample(sample.name, sample.labels, rise))
    return tuple(result)


def version_window(
    samples: Iterable[Sample], wanted: VersionFilter, statuses: tuple[str, ...]
) -> VersionWindow:
    """One version's window from samples that are already increments."""
    requests = errors = 0.0
    latency: dict[float, float] = defaultdict(float)
    scores: dict[float, float] = defaultdict(float)
    classes: dict[str, float] = defaultdict(float)
    for sample in samples:
        if not wanted.matches(sample):
            continue
        served = sample.label(series.ENDPOINT_LABEL) in series.PREDICTION_ENDPOINTS
        if sample.name == series.REQUESTS and served:
            requests += sample.value
            if series.status_matches(sample.label(series.CODE_LABEL) or "", statuses):
                errors += sample.value
        elif sample.name == f"{series.LATENCY}_bucket" and served:
            latency[_bound(sample)] += sample.value
        elif sample.name == f"{series.SCORES}_bucket":
            scores[_bound(sample)] += sample.value
        elif sample.name == series.CLASSES:
            classes[sample.label(series.CLASS_LABEL) or ""] += sample.value
    return _window(requests, errors, latency, scores, classes)


def _bound(sample: Sample) -> float:
    return float(sample.label(series.BUCKET_LABEL) or "+Inf")


def _window(
    requests: float,
    errors: float,
    latency: dict[float, float],
    scores: dict[float, float],
    classes: dict[str, float],
) -> VersionWindow:
    answered = max(round(requests), 0)
    return VersionWindow(
        requests=answered,
        errors=min(max(round(errors), 0), answered),
        latency=Histogram.from_cumulative(latency) if latency else None,
        scores=Histogram.from_cumulative(scores) if scores else None,
        classes={label: round(count) for label, count in sorted(classes.items())},
    )


@dataclass(frozen=True)
class _ScrapeMark:
    stable: tuple[Sample, ...]
    canary: tuple[Sample, ...]
    at: float


class ScrapeSource:
    """The stable and canary servers' /metrics, scraped directly."""

    def __init__(
        self,
        stable_url: str,
        canary_url: str,
        *,
        stable: VersionFilter = VersionFilter(),
        canary: VersionFilter = VersionFilter(),
        statuses: tuple[str, ...] = ("5xx",),
        fetch: Callable[[str], tuple[Sample, ...]] = scrape,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.urls = (stable_url, canary_url)
        self.filters = (stable, canary)
        self.statuses = statuses
        self.fetch = fetch
        self.clock = clock

    def mark(self) -> _ScrapeMark:
        return _ScrapeMark(self.fetch(self.urls[0]), self.fetch(self.urls[1]), self.clock())

    def window(self, mark: object) -> Window:
        if not isinstance(mark, _ScrapeMark):
            raise TypeError("ScrapeSource.window needs a mark from ScrapeSource.mark")
        now = self.mark()
        return Window(
            stable=version_window(
                increments(mark.stable, now.stable), self.filters[0], self.statuses
            ),
            canary=version_window(
                increments(mark.canary, now.canary), self.filters[1], self.statuses
            ),
            seconds=now.at - mark.at,
        )


class PrometheusSource:
    """A Prometheus server scraping both versions; each told apart by its `version` label."""

    def __init__(
        self,
        api: PrometheusAPI,
        *,
        stable: VersionFilter,
        canary: VersionFilter,
        statuses: tuple[str, ...] = ("5xx",),
        clock: Callable[[], float] = time.time,
    ) -> None:
        if stable.version is None or canary.version is None:
            raise ValueError("a Prometheus source needs both versions' `version` label")
        self.api = api
        self.filters = (stable, canary)
        self.statuses = statuses
        self.clock = clock

    def mark(self) -> float:
        return self.clock()

    def window(self, mark: object) -> Window:
        if not isinstance(mark, float):
            raise TypeError("PrometheusSource.window needs a mark from PrometheusSource.mark")
        now = self.clock()
        seconds = max(math.ceil(now - mark), 1)
        return Window(
            stable=self._version(self.filters[0], seconds, now),
            canary=self._version(self.filters[1], seconds, now),
            seconds=now - mark,
        )

    def queries(self, wanted: VersionFilter, seconds: int) -> dict[str, str]:
        """The PromQL this source sends for one version over a window of `seconds`."""
        selector = _selector(wanted)
        served = f'{series.ENDPOINT_LABEL}=~"{"|".join(series.PREDICTION_ENDPOINTS)}"'
        errors = f'{series.CODE_LABEL}=~"{series.status_regex(self.statuses)}"'
        span = f"[{seconds}s]"
        return {
            "requests": f"sum(increase({series.REQUESTS}{{{selector},{served}}}{span}))",
            "errors": f"sum(increase({series.REQUESTS}{{{selector},{served},{errors}}}{span}))",
            "latency": f"sum by ({series.BUCKET_LABEL}) "
            f"(increase({series.LATENCY}_bucket{{{selector},{served}}}{span}))",
            "scores": f"sum by ({series.BUCKET_LABEL}) "
            f"(increase({series.SCORES}_bucket{{{selector}}}{span}))",
            "classes": f"sum by ({series.CLASS_LABEL}) "
            f"(increase({series.CLASSES}{{{selector}}}{span}))",
        }

    def _version(self, wanted: VersionFilter, seconds: int, at: float) -> VersionWindow:
        queries = self.queries(wanted, seconds)
        answers = {name: self.api.query(expr, at=at) for name, expr in queries.items()}
        return _window(
            sum(s.value for s in answers["requests"]),
            sum(s.value for s in answers["errors"]),
            {_bound(s): s.value for s in answers["latency"]},
            {_bound(s): s.value for s in answers["scores"]},
            {s.label(series.CLASS_LABEL) or "": s.value for s in answers["classes"]},
        )


def _selector(wanted: VersionFilter) -> str:
    # A JSON string literal is a valid PromQL string literal: quotes and backslashes escaped.
    pairs = [(series.VERSION_LABEL, wanted.version), (series.MODEL_LABEL, wanted.model)]
    return ",".join(f"{label}={json.dumps(value)}" for label, value in pairs if value is not None)
