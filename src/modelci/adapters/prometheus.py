"""Prometheus metrics over HTTP: a server's /metrics scraped directly (the text exposition format,
parsed by prometheus-client's parser) and a Prometheus server's query API (instant queries).

Both return the same flat samples, so what reads them does not care where they came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from modelci.errors import ServiceError

TIMEOUT = 10.0


@dataclass(frozen=True)
class Sample:
    """One series' value: its metric name, its labels (sorted pairs) and the value."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: float

    def label(self, name: str) -> str | None:
        return dict(self.labels).get(name)


def _labels(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def scrape(
    url: str, *, timeout: float = TIMEOUT, session: requests.Session | None = None
) -> tuple[Sample, ...]:
    """Every sample of a /metrics page (counters keep `_total`, histograms `_bucket`)."""
    from prometheus_client.parser import text_string_to_metric_families

    response = _get(session, url, None, timeout, what="scrape metrics from")
    try:
        return tuple(
            Sample(sample.name, _labels(sample.labels), float(sample.value))
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        )
    except ValueError as error:
        raise ServiceError(
            f"{url} did not answer in the Prometheus text format: {error}",
            hint="Point the scrape at the model server's /metrics endpoint.",
        ) from error


class PrometheusAPI:
    """A Prometheus server's HTTP API (`/api/v1/query`)."""

    def __init__(
        self, url: str, *, timeout: float = TIMEOUT, session: requests.Session | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = session

    def query(self, expr: str, *, at: float | None = None) -> tuple[Sample, ...]:
        """An instant query's vector result, each element as a Sample named after its metric
        (an aggregated expression has no name: "")."""
        params = {"query": expr} | ({"time": f"{at:.3f}"} if at is not None else {})
        # Prometheus explains a refused query in a JSON body with 400 or 422.
        url = f"{self.url}/api/v1/query"
        response = _get(self.session, url, params, self.timeout, what="query", ok=(400, 422))
        body = _json(response, self.url)
        if body.get("status") != "success":
            raise ServiceError(
                f"Prometheus at {self.url} refused the query {expr!r}: "
                f"{body.get('errorType', 'error')}: {body.get('error', 'no message')}",
                hint="Check the PromQL expression and the metric names the servers expose.",
            )
        data = body.get("data", {})
        if data.get("resultType") != "vector":
            raise ServiceError(
                f"Prometheus at {self.url} answered {data.get('resultType')!r} to {expr!r}, "
                "not an instant vector"
            )
        samples = []
        for element in data.get("result", []):
            metric = dict(element["metric"])
            name = metric.pop("__name__", "")
            samples.append(Sample(name, _labels(metric), float(element["value"][1])))
        return tuple(samples)


def _get(
    session: requests.Session | None,
    url: str,
    params: dict[str, str] | None,
    timeout: float,
    *,
    what: str,
    ok: tuple[int, ...] = (),
) -> requests.Response:
    try:
        response = (session or requests).get(url, params=params, timeout=timeout)
    except requests.RequestException as error:
        raise ServiceError(
            f"could not {what} {url}: {error}",
            hint="Check that the server runs and the address is right (scheme, host and port).",
        ) from error
    if response.status_code >= 400 and response.status_code not in ok:
        raise ServiceError(
            f"could not {what} {url}: HTTP {response.status_code} {response.reason}",
            hint="Check the address: the model server's /metrics, or Prometheus's root URL.",
        )
    return response


def _json(response: requests.Response, url: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as error:
        raise ServiceError(
            f"{url} did not answer with JSON (HTTP {response.status_code})",
            hint="Is this a Prometheus server's root URL?",
        ) from error
    if not isinstance(body, dict):
        raise ServiceError(f"{url} answered JSON that is not an object")
    return body
