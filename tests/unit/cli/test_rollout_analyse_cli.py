"""`modelci rollout analyse` and `modelci rollout webhook` against real exporters over HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
from click.testing import CliRunner

from modelci.analysis.sources import ScrapeSource
from modelci.cli.main import cli
from modelci.config.rollout import AnalysisConfig, RolloutConfig
from modelci.errors import ExitCode
from modelci.operations.canary_webhook import CanaryJudge, make_server
from tests.support.metrics_servers import Exporter, exporter_pair


@pytest.fixture
def exporters() -> Iterator[tuple[Exporter, Exporter]]:
    with exporter_pair() as pair:
        yield pair


def _during(seconds: float, action: Callable[[], object]) -> threading.Thread:
    """Run `action` in `seconds`: inside the window the command opens at its start."""

    def later() -> None:
        time.sleep(seconds)
        action()

    thread = threading.Thread(target=later)
    thread.start()
    return thread


def _serve(exporter: Exporter, n: int, *, errors: int = 0, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for index in range(n):
        exporter.serve(
            float(rng.lognormal(np.log(0.008), 0.3)),
            float(rng.beta(2, 5)),
            code=500 if index < errors else 200,
        )


def _params(tmp_path: Path) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text("modelci:\n  rollout:\n    analysis: {min_requests: 50}\n")
    return path


def _analyse(exporters: tuple[Exporter, Exporter], tmp_path: Path, *extra: str) -> list[str]:
    stable, canary = exporters
    return [
        "rollout", "analyse", "--step", "10", "--window", "2",
        "--stable-url", stable.url, "--canary-url", canary.url,
        "--params-file", str(_params(tmp_path)), *extra,
    ]  # fmt: skip


def test_a_healthy_canary_exits_0(exporters: tuple[Exporter, Exporter], tmp_path: Path) -> None:
    stable, canary = exporters
    thread = _during(0.7, lambda: (_serve(stable, 600, seed=1), _serve(canary, 150, seed=2)))
    result = CliRunner().invoke(cli, _analyse(exporters, tmp_path, "--format", "json"))
    thread.join()
    assert result.exit_code == ExitCode.OK, result.output
    verdict = json.loads(result.output)
    assert (verdict["verdict"], verdict["look"], verdict["looks"]) == ("pass", 1, 3)
    assert (verdict["canary_requests"], verdict["stable_requests"]) == (150, 600)


def test_a_failing_canary_exits_1_with_the_reason(
    exporters: tuple[Exporter, Exporter], tmp_path: Path
) -> None:
    stable, canary = exporters
    thread = _during(
        0.7, lambda: (_serve(stable, 600, seed=3), _serve(canary, 150, errors=15, seed=4))
    )
    result = CliRunner().invoke(cli, _analyse(exporters, tmp_path))
    thread.join()
    assert result.exit_code == ExitCode.GATE_FAILED
    assert result.output.startswith("step 10% (look 1 of 3): fail, score 75")
    assert "errors: fail: error rate rose by 10.00 points" in result.output


def test_thin_traffic_waits_then_exits_1_inconclusive(
    exporters: tuple[Exporter, Exporter], tmp_path: Path
) -> None:
    stable, canary = exporters
    thread = _during(0.7, lambda: (_serve(stable, 600), _serve(canary, 20)))
    result = CliRunner().invoke(cli, _analyse(exporters, tmp_path, "--waits", "1"))
    thread.join()
    assert result.exit_code == ExitCode.GATE_FAILED
    assert result.output.startswith("step 10% (look 1 of 3): inconclusive, score n/a")


def test_prometheus_without_versions_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["rollout", "analyse", "--step", "10", "--prometheus", "http://127.0.0.1:9"]
    )
    assert result.exit_code == ExitCode.USAGE
    assert "Error: --prometheus needs --stable-version and --canary-version" in result.output


def test_the_webhook_answers_as_flagger_and_argo_expect(
    exporters: tuple[Exporter, Exporter],
) -> None:
    stable, canary = exporters
    config = RolloutConfig(analysis=AnalysisConfig(min_requests=50))
    server = make_server(CanaryJudge(ScrapeSource(stable.url, canary.url), config), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_port}"
    try:
        flagger = {"name": "fraud", "namespace": "prod", "phase": "Progressing"}
        _serve(stable, 600, seed=5)
        _serve(canary, 10, seed=6)
        thin = requests.post(f"{root}/flagger", json=flagger, timeout=10)
        assert thin.status_code == 425
        assert thin.json()["verdict"] == "inconclusive"
        _serve(canary, 100, seed=7)  # the same window, now with enough traffic
        passed = requests.post(
            f"{root}/flagger", json={**flagger, "metadata": {"step": "10"}}, timeout=10
        )
        assert passed.status_code == 200
        assert (passed.json()["verdict"], passed.json()["canary_requests"]) == ("pass", 110)
        _serve(stable, 600, seed=8)
        _serve(canary, 200, errors=40, seed=9)
        argo = requests.get(f"{root}/verdict", params={"step": "25"}, timeout=10)
        assert argo.status_code == 200
        assert (argo.json()["verdict"], argo.json()["look"]) == ("fail", 2)
        wrong = requests.get(f"{root}/verdict", params={"step": "100"}, timeout=10)
        assert wrong.status_code == 400
        assert wrong.json()["error"].startswith("step 100 is not an analysed step")
    finally:
        server.shutdown()
        server.server_close()


def test_the_webhook_answers_503_when_a_server_cannot_be_scraped(
    exporters: tuple[Exporter, Exporter],
) -> None:
    stable, canary = exporters
    judge = CanaryJudge(ScrapeSource(stable.url, canary.url), RolloutConfig())
    canary.close()  # the canary crashed
    server = make_server(judge, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        answer = requests.post(
            f"http://127.0.0.1:{server.server_port}/flagger", json={}, timeout=10
        )
        assert answer.status_code == 503
        assert answer.json()["error"].startswith(f"could not scrape metrics from {canary.url}")
    finally:
        server.shutdown()
        server.server_close()
