"""The local target on real processes: echo servers behind a real Caddy."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelci.adapters.process import ProcessRef
from modelci.errors import RolloutConflict, ServiceError, UsageError
from modelci.rollout import local
from modelci.rollout.analysis import Decision, StepWindow
from modelci.rollout.state import Phase, Server, Store
from tests.support.load import Load
from tests.support.routing import echo_command

ENV = "production"


def request(canary: str = "fraud-detector@v1.3.0", *extra: str) -> local.StartRequest:
    return local.StartRequest(
        environment=ENV,
        stable=Server("fraud-detector@v1.2.0", echo_command("stable")),
        canary=Server(canary, echo_command("canary", *extra)),
        ready_timeout=20,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path)
    yield store
    if store.load(ENV) is not None:
        local.stop(store, ENV)


def test_start_brings_up_both_servers_behind_the_router_at_the_first_step(store: Store) -> None:
    outcome = local.start(store, request())
    assert outcome.action == "started"
    assert outcome.message == (
        "started: canary fraud-detector@v1.3.0 against stable fraud-detector@v1.2.0, running, "
        "step 1 of 4, canary at 10%"
    )
    status = local.status(store, ENV)
    assert status.alive == {"router": True, "stable": True, "canary": True}
    assert status.weights == (90, 10)
    assert status.state == store.load(ENV)


def test_a_rerun_start_is_a_no_op_and_another_canary_is_refused(store: Store) -> None:
    first = local.start(store, request())
    again = local.start(store, request())
    assert again.action == "unchanged"
    assert again.state == first.state
    with pytest.raises(RolloutConflict) as caught:
        local.start(store, request("fraud-detector@v1.4.0"))
    assert caught.value.running == "fraud-detector@v1.3.0"
    assert str(caught.value) == (
        "a rollout already runs in environment 'production': canary fraud-detector@v1.3.0 "
        "against stable fraud-detector@v1.2.0, running, step 1 of 4, canary at 10%"
    )


def test_start_after_a_crash_resumes_at_the_step_reached(store: Store) -> None:
    local.start(store, request())
    local.advance(store, ENV)
    crashed = store.load(ENV)
    assert crashed is not None and crashed.canary.pid is not None
    os.kill(crashed.canary.pid, signal.SIGKILL)
    ProcessRef(crashed.canary.pid, float(crashed.canary.started or 0)).stop()
    assert local.status(store, ENV).alive["canary"] is False
    outcome = local.start(store, request())
    assert outcome.action == "resumed"
    status = local.status(store, ENV)
    assert status.alive == {"router": True, "stable": True, "canary": True}
    assert status.weights == (75, 25)
    assert [e.action for e in status.state.events] == ["start", "step", "resume"]


def test_steps_then_promotion_under_load_lose_no_request(store: Store) -> None:
    state = local.start(store, request()).state
    router_url = str((state.router or {})["url"])
    with Load(f"{router_url}/v2/models/m/infer", threads=4) as load:
        time.sleep(0.3)
        assert local.advance(store, ENV).state.canary_percent == 25
        time.sleep(0.3)
        assert local.advance(store, ENV).state.canary_percent == 50
        time.sleep(0.3)
        outcome = local.advance(store, ENV, "all checks passed")  # 50 -> 100 is the promotion
        time.sleep(0.3)
    assert outcome.action == "promoted"
    assert outcome.message == "promoted fraud-detector@v1.3.0: all checks passed"
    assert load.failures == []
    status = local.status(store, ENV)
    assert status.state.phase is Phase.PROMOTED
    assert status.alive == {"router": True, "stable": False, "canary": True}
    assert status.weights == (0, 100)
    assert local.promote(store, ENV).action == "unchanged"
    with pytest.raises(
        UsageError, match=r"cannot roll back: the rollout in 'production' is promoted"
    ):
        local.abort(store, ENV)


def test_abort_moves_all_traffic_to_stable_at_once_and_stops_the_canary(store: Store) -> None:
    state = local.start(store, request()).state
    canary = str(state.canary.url).removeprefix("http://")
    assert state.router is not None
    with Load(f"{state.router['url']}/x", threads=4) as load:
        _until(lambda: load.count(canary) >= 3)  # the canary is taking its share
        outcome = local.abort(store, ENV, "error rate rose")
        returned = time.perf_counter()
        time.sleep(0.5)
    assert outcome.action == "rolled-back"
    assert outcome.seconds is not None and outcome.seconds < 5
    assert load.failures == []
    assert load.count(canary) > 0
    assert [a for a in load.answers if a.upstream == canary and a.sent > returned] == []
    status = local.status(store, ENV)
    assert status.state.reason == "error rate rose"
    assert status.alive == {"router": True, "stable": True, "canary": False}
    assert status.weights == (100, 0)
    assert local.abort(store, ENV).action == "unchanged"


def test_a_server_that_never_gets_ready_is_reported_and_nothing_is_left(
    store: Store, tmp_path: Path
) -> None:
    bad = local.StartRequest(
        environment=ENV,
        stable=Server("v1", echo_command("stable")),
        canary=Server("v2", ("python3", "-c", "import sys; sys.exit(3)")),
    )
    with pytest.raises(ServiceError, match=r"the canary server \(v2\) exited with code 3"):
        local.start(store, bad)
    assert store.load(ENV) is None


def test_commands_on_no_rollout_say_how_to_start_one(store: Store) -> None:
    with pytest.raises(UsageError, match="no rollout in environment 'production'") as caught:
        local.promote(store, ENV)
    assert caught.value.hint == "Start one with `modelci rollout start`."


def _until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for a condition a loaded machine may take a while to reach."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@dataclass(frozen=True)
class Result:
    verdict: str
    reasons: tuple[str, ...]


def test_run_step_acts_on_the_injected_analysis(store: Store) -> None:
    local.start(store, request())
    windows: list[StepWindow] = []

    def analyse(verdict: str) -> local.Analyse:
        def run(window: StepWindow) -> Result:
            windows.append(window)
            return Result(verdict, (f"said {verdict}",))

        return run

    decision, _, outcome = local.run_step(store, ENV, analyse("pass"), window_seconds=0.1)
    assert (decision, outcome.state.canary_percent) == (Decision.CONTINUE, 25)
    decision, _, outcome = local.run_step(store, ENV, analyse("inconclusive"), window_seconds=0)
    assert (decision, outcome.state.canary_percent) == (Decision.WAIT, 25)
    decision, _, outcome = local.run_step(store, ENV, analyse("fail"), window_seconds=0)
    assert (decision, outcome.state.phase) == (Decision.ROLL_BACK, Phase.ROLLED_BACK)
    assert outcome.state.reason == "said fail"
    assert [w.canary_percent for w in windows] == [10, 25, 25]
    assert windows[0].ended - windows[0].started >= 0.1
    assert windows[0].canary_url == outcome.state.canary.url
    assert windows[0].router_url == (outcome.state.router or {})["url"]
