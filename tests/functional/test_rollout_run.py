"""`modelci rollout run` end to end: real `modelci serve` processes behind real Caddy, real HTTP
load replaying held-out rows of the reference data, the analysis over the servers' /metrics,
and the registry's stage assigned on promotion (read back with gto).

Faults are real: the canary is a `modelci serve` whose app answers 5% of predictions with a 500,
takes three times as long, or is killed mid-step (tests/support/faulty_serve.py); the shifted
canary is a second model, trained with fewer, shallower trees and fraud weighted up, that
scores higher.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.canary import (
    HEALTHY,
    MODEL,
    SHIFTED,
    STABLE,
    CanaryProject,
    build_canary_project,
    faulty_command,
    git_env,
)
from tests.support.load import Load
from tests.support.metrics_servers import run_prometheus
from tests.support.tools import require_tool

# Short windows and two looks keep each case short. On a shared two-core machine the same model
# serving a quarter of the traffic was seen up to 1.8x slower than serving the rest:
# contention, not the model. 2x is this test bed's latency tolerance; 3x slower is beyond it.
ROLLOUT = {
    "steps": [25, 50, 100],
    "window_seconds": 3,
    # A healthy canary is rolled back at most `alpha` of the time, by design: 1% keeps that
    # rare here, and every fault below is still detected far beyond it (p < 1e-4).
    # The median only: on the smaller share the same model's p95 was seen 2.4x the stable's (its
    # requests wait for a core more often); three times slower moves the median 3x.
    "analysis": {
        "alpha": 0.01,
        "min_requests": 60,
        "latency": {"max_ratio": 2.0, "quantiles": [0.5]},
    },
}
ROLLED_BACK, INCONCLUSIVE = 10, 11
# One worker runs these cases one after another: each compares two servers' latencies, which
# other rollouts loading the same two cores at once would blur.
pytestmark = pytest.mark.xdist_group("canary-rollout")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> CanaryProject:
    require_tool("caddy")
    require_tool("gto")
    return build_canary_project(tmp_path_factory.mktemp("canary") / "project", ROLLOUT)


@pytest.fixture
def project(template: CanaryProject, tmp_path: Path) -> Iterator[CanaryProject]:
    root = tmp_path / "project"
    shutil.copytree(template.root, root, symlinks=True)
    copy = CanaryProject(root, template.bodies)
    yield copy
    subprocess.run(
        [sys.executable, "-m", "modelci", "rollout", "stop", "-C", str(root)],
        env=git_env(), capture_output=True, check=False,
    )  # fmt: skip


@dataclass(frozen=True)
class Run:
    code: int
    result: dict[str, Any]
    stderr: str
    load: Load | None

    @property
    def reasons(self) -> str:
        return "\n".join(self.result["reasons"])


def run_command(project: CanaryProject, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "modelci", "rollout", "run", "-C", str(project.root),
        "--format", "json", "--waits", "1", *args,
    ]  # fmt: skip


def rollout(project: CanaryProject, *args: str, threads: int = 6) -> Run:
    """`modelci rollout run ARGS --format json` under load through the router, to its end."""
    process = subprocess.Popen(
        run_command(project, *args), env=git_env(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    load = None
    try:
        if threads:
            url = _router_url(project, process)
            with Load(f"{url}/predict", threads=threads, bodies=project.bodies) as load:
                out, err = process.communicate(timeout=150)
        else:
            out, err = process.communicate(timeout=150)
    finally:
        if process.poll() is None:
            process.kill()
    assert out, err
    return Run(process.returncode, json.loads(out), err, load)


def _router_url(project: CanaryProject, process: subprocess.Popen[str]) -> str:
    state = project.root / ".modelci/rollouts/production/state.json"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if state.exists():
            return str(json.loads(state.read_text())["router"]["url"])
        if process.poll() is not None:
            raise AssertionError(f"the rollout ended before starting: {process.stderr}")
        time.sleep(0.05)
    raise AssertionError("the rollout did not start within 90 s")


def canary(version: str) -> tuple[str, ...]:
    """Both versions from the registry alone: the stable from the stage, each served from its
    registered model card."""
    return ("--canary", f"{MODEL}@{version}")


def faulty(project: CanaryProject, fault: str) -> tuple[str, ...]:
    """The healthy canary's model served with `fault` injected (tests/support/faulty_serve.py)."""
    command = faulty_command(project.card(HEALTHY), fault)
    return ("--canary", f"{MODEL}@{HEALTHY}", "--canary-command", command)


def production(project: CanaryProject) -> str | None:
    found = project.run(sys.executable, "-m", "modelci", "registry", "current", MODEL,
                        "production", check=False)  # fmt: skip
    return found.stdout.strip() or None


def test_a_healthy_canary_is_promoted_and_takes_the_stage(project: CanaryProject) -> None:
    run = rollout(project, *canary(HEALTHY))
    assert run.code == 0, run.reasons + run.stderr
    assert run.result["ending"] == "promoted"
    assert run.result["stable"] == f"{MODEL}@{STABLE}"  # from the registry's stage
    served = run.result["state"]["canary"]["command"][-1]  # --model-card, from the registry
    assert served.endswith(f".modelci/rollouts/production/cards/{MODEL}@{HEALTHY}/model-card.json")
    assert [s["canary_percent"] for s in run.result["steps"]] == [25, 50]
    assert [s["verdict"]["verdict"] for s in run.result["steps"]] == ["pass", "pass"]
    assert run.result["assigned"]["version"] == HEALTHY
    assert HEALTHY in production(project), production(project)
    assert run.load is not None and run.load.failures == []
    tags = project.run("git", "tag", "--list", f"{MODEL}#production#*").stdout.split()
    assert len(tags) == 2


def test_a_canary_answering_five_percent_errors_is_rolled_back(project: CanaryProject) -> None:
    # 6 s windows: about 150 canary requests at 25%, so 5% errors (7 or 8) are significant at
    # this rollout's alpha; at 3 s (75 requests, 3 or 4 errors) a look often cannot tell.
    run = rollout(project, *faulty(project, "errors:0.05"), "--window", "6")
    assert run.code == ROLLED_BACK, run.stderr
    assert run.result["ending"] == "rolled-back"
    assert "errors:" in run.reasons, run.reasons
    assert STABLE in production(project)  # nothing assigned
    assert run.load is not None
    canary_at = run.result["state"]["canary"]["url"].removeprefix("http://")
    failed_at = {answer.upstream for answer in run.load.answers if answer.status != 200}
    assert failed_at == {canary_at}  # only the canary's injected 500s; no request was lost
    assert all(failure.startswith("HTTP 500") for failure in run.load.failures)


def test_a_canary_three_times_slower_is_rolled_back(project: CanaryProject) -> None:
    run = rollout(project, *faulty(project, "slow:3"))
    assert run.code == ROLLED_BACK, run.stderr
    assert "latency:" in run.reasons, run.reasons
    assert "errors:" not in run.reasons
    assert run.load is not None and run.load.failures == []


def test_a_canary_with_shifted_scores_is_rolled_back_on_the_prediction_check(
    project: CanaryProject,
) -> None:
    run = rollout(project, *canary(SHIFTED))
    assert run.code == ROLLED_BACK, run.stderr
    failed = {
        check["name"]
        for check in run.result["steps"][-1]["verdict"]["checks"]
        if check["status"] == "fail"
    }
    assert "scores" in failed, json.dumps(run.result["steps"], indent=1)
    assert failed <= {"scores", "classes"}, run.reasons  # no errors, normal latency
    assert STABLE in production(project)
    assert run.load is not None and run.load.failures == []


def test_a_canary_that_crashes_mid_step_is_rolled_back_and_loses_no_request(
    project: CanaryProject,
) -> None:
    run = rollout(project, *faulty(project, "crash:1"))
    assert run.code == ROLLED_BACK, run.stderr
    assert "could not be read" in run.reasons, run.reasons
    assert run.load is not None and run.load.failures == []
    assert STABLE in production(project)


def test_too_little_traffic_ends_inconclusive_and_never_promotes(project: CanaryProject) -> None:
    cards = (
        "--canary-card",
        str(project.card(HEALTHY)),
        "--stable-card",
        str(project.card(STABLE)),
    )
    run = rollout(project, *canary(HEALTHY), *cards, "--window", "1", threads=0)
    assert run.code == INCONCLUSIVE, run.stderr
    assert run.result["ending"] == "inconclusive"
    assert "fewer than the 60 required" in run.reasons, run.reasons
    assert run.result["state"]["canary_percent"] == 0
    assert STABLE in production(project)


def test_a_run_killed_between_steps_resumes_at_its_step_when_run_again(
    project: CanaryProject,
) -> None:
    first = subprocess.Popen(
        run_command(project, *canary(HEALTHY)), env=git_env(), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    state = project.root / ".modelci/rollouts/production/state.json"
    try:
        url = _router_url(project, first)
        with Load(f"{url}/predict", threads=6, bodies=project.bodies) as load:
            deadline = time.monotonic() + 60
            while json.loads(state.read_text())["step"] == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            first.kill()  # the job dies after its first step: the servers and Caddy run on
            first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    assert json.loads(state.read_text())["step"] == 1, first.stderr
    assert load.failures == []
    again = rollout(project, *canary(HEALTHY))
    assert again.code == 0, again.stderr
    assert again.result["started"] == "unchanged"  # nothing restarted
    assert [s["canary_percent"] for s in again.result["steps"]] == [50]  # only the step left
    assert HEALTHY in (production(project) or "")
    assert again.load is not None and again.load.failures == []


def test_a_prometheus_server_scraping_both_servers_can_decide_the_rollout(
    project: CanaryProject, tmp_path: Path
) -> None:
    """--prometheus: the same analysis over PromQL, each version told apart by its label."""
    require_tool("prometheus")
    targets = tmp_path / "targets.json"
    targets.write_text("[]")
    (tmp_path / "prometheus").mkdir()
    with run_prometheus(targets, tmp_path / "prometheus") as prometheus:
        process = subprocess.Popen(
            run_command(project, *canary(HEALTHY), "--prometheus", prometheus, "--window", "5"),
            env=git_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            url = _router_url(project, process)
            state = json.loads(
                (project.root / ".modelci/rollouts/production/state.json").read_text()
            )
            servers = [state[role]["url"].removeprefix("http://") for role in ("stable", "canary")]
            targets.write_text(json.dumps([{"targets": servers}]))
            with Load(f"{url}/predict", threads=6, bodies=project.bodies) as load:
                out, err = process.communicate(timeout=150)
        finally:
            if process.poll() is None:
                process.kill()
    result = json.loads(out)
    assert process.returncode == 0, "\n".join(result["reasons"]) + err
    assert result["ending"] == "promoted"
    first = result["steps"][0]["verdict"]
    assert first["canary_requests"] > 0 and first["stable_requests"] > first["canary_requests"]
    assert {c["name"]: c["status"] for c in first["checks"]} == dict.fromkeys(
        ("errors", "latency", "scores", "classes"), "pass"
    )
    assert load.failures == []
