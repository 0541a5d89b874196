"""Real metrics servers for the canary analysis tests.

`Exporter`: a small prometheus-client exporter on a free loopback port exposing the series a
model server exposes (names from modelci.analysis.series), into which a test records traffic.
`run_prometheus`: a real Prometheus process (Debian's `prometheus`) scraping given targets every
second, with its data in a temp folder.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

from modelci.analysis import series


class Exporter:
    """One version's /metrics, labelled model and version like the real server's."""

    def __init__(self, model: str, version: str) -> None:
        self.registry = CollectorRegistry()
        labels = (series.MODEL_LABEL, series.VERSION_LABEL)
        self.requests = Counter(
            series.REQUESTS.removesuffix("_total"),
            "Requests answered.",
            (*labels, series.ENDPOINT_LABEL, series.CODE_LABEL),
            registry=self.registry,
        )
        self.latency = Histogram(
            series.LATENCY,
            "Request latency.",
            (*labels, series.ENDPOINT_LABEL),
            buckets=series.LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.scores = Histogram(
            series.SCORES,
            "Predicted scores.",
            labels,
            buckets=series.SCORE_BUCKETS,
            registry=self.registry,
        )
        self.classes = Counter(
            series.CLASSES.removesuffix("_total"),
            "Rows by class.",
            (*labels, series.CLASS_LABEL),
            registry=self.registry,
        )
        self.labels = (model, version)
        self.server, _ = start_http_server(0, addr="127.0.0.1", registry=self.registry)
        self.url = f"http://127.0.0.1:{self.server.server_port}/metrics"
        # Scrapes and health checks are counted too, as the real server counts them.
        self.requests.labels(*self.labels, "metrics", "200").inc(0)
        self.requests.labels(*self.labels, "infer", "200").inc(0)
        self.requests.labels(*self.labels, "infer", "500").inc(0)
        self.latency.labels(*self.labels, "infer")
        self.scores.labels(*self.labels)

    def serve(self, seconds: float, score: float, *, code: int = 200) -> None:
        """Record one prediction request (a 5xx has no score)."""
        self.requests.labels(*self.labels, "infer", str(code)).inc()
        self.latency.labels(*self.labels, "infer").observe(seconds)
        if code < 400:
            self.scores.labels(*self.labels).observe(score)
            self.classes.labels(*self.labels, "1" if score >= 0.5 else "0").inc()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def run_prometheus(targets: list[str] | Path, directory: Path) -> Iterator[str]:
    """Start Prometheus scraping `targets` (host:port) every second; yield its root URL.

    `targets` may instead be a file of Prometheus' file-based discovery (JSON), read again as
    it changes: for servers whose ports are chosen after Prometheus starts."""
    binary = shutil.which("prometheus")
    if binary is None:
        raise RuntimeError(
            "prometheus is not installed: apt-get install -y --no-install-recommends prometheus "
            "(.ci/run installs it)"
        )
    config = directory / "prometheus.yml"
    if isinstance(targets, Path):
        scrape = (
            f'    file_sd_configs:\n      - files: ["{targets}"]\n        refresh_interval: 1s\n'
        )
    else:
        listed = ", ".join(f'"{target}"' for target in targets)
        scrape = f"    static_configs:\n      - targets: [{listed}]\n"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"scrape_configs:\n  - job_name: models\n{scrape}",
        encoding="utf-8",
    )
    port = free_port()
    log = (directory / "prometheus.log").open("wb")
    process = subprocess.Popen(  # a fixed binary and our own arguments
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={directory / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_targets(url, 0 if isinstance(targets, Path) else len(targets), process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _wait_for_targets(url: str, count: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited with {process.returncode}")
        try:
            answer = requests.get(f"{url}/api/v1/query", params={"query": "up"}, timeout=2).json()
            up = [r for r in answer["data"]["result"] if r["value"][1] == "1"]
            if len(up) == count:
                return
        except (requests.RequestException, ValueError, KeyError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"prometheus did not scrape its {count} targets within 60 s")


@contextmanager
def exporter_pair(model: str = "fraud") -> Iterator[tuple[Exporter, Exporter]]:
    """A stable (v1) and a canary (v2) exporter of the same model, closed afterwards."""
    stable, canary = Exporter(model, "v1"), Exporter(model, "v2")
    try:
        yield stable, canary
    finally:
        stable.close()
        canary.close()
