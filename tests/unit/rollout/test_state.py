from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelci.errors import ConfigError, UsageError
from modelci.rollout.state import Phase, RolloutState, Server, Store


def a_state(environment: str = "production") -> RolloutState:
    return RolloutState(
        environment=environment,
        stable=Server(
            "fraud-detector@v1.2.0", ("serve", "--port", "{port}"), "http://127.0.0.1:1", 10, 1.5
        ),
        canary=Server("fraud-detector@v1.3.0", ("serve", "--port", "{port}")),
        steps=(10, 25, 50, 100),
        step=1,
        phase=Phase.RUNNING,
        started_at=1000.0,
        health_path="/v2/health/ready",
        router={"url": "http://127.0.0.1:2"},
    ).with_event("start")


def test_state_round_trips_through_its_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    state = a_state()
    store.save(state)
    assert store.load("production") == state
    written = json.loads(store.path("production").read_text())
    assert written["canary_percent"] == 25
    assert written["phase"] == "running"
    assert store.path("production") == tmp_path / ".modelci/rollouts/production/state.json"


def test_canary_share_follows_the_phase() -> None:
    state = a_state()
    assert state.canary_percent == 25
    assert state.with_event("promote", phase=Phase.PROMOTED).canary_percent == 100
    rolled_back = state.with_event("roll-back", "errors rose", phase=Phase.ROLLED_BACK)
    assert rolled_back.canary_percent == 0
    assert [(e.action, e.canary_percent, e.reason) for e in rolled_back.events] == [
        ("start", 25, None),
        ("roll-back", 0, "errors rose"),
    ]


def test_no_state_is_none(tmp_path: Path) -> None:
    assert Store(tmp_path).load("staging") is None


def test_an_unreadable_state_names_its_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.path("production").parent.mkdir(parents=True)
    store.path("production").write_text('{"environment": "production"}')
    with pytest.raises(ConfigError) as caught:
        store.load("production")
    assert caught.value.file == str(store.path("production"))
    assert "the rollout state is unreadable (KeyError" in caught.value.message


def test_a_state_of_another_environment_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.save(a_state("staging"))
    store.path("staging").rename(store.path("staging").with_name("x"))
    store.path("production").parent.mkdir(parents=True)
    store.path("staging").with_name("x").rename(store.path("production"))
    with pytest.raises(ConfigError, match="names environment 'staging', not 'production'"):
        store.load("production")


@pytest.mark.parametrize("name", ["", "../prod", "a/b", "-x", "x" * 64])
def test_environment_names_are_checked(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError, match="invalid environment name"):
        Store(tmp_path).folder(name)


def test_a_second_command_on_the_same_environment_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.lock("production"):
        with pytest.raises(UsageError) as caught, store.lock("production"):
            pass
        assert "another rollout command for environment 'production' is already running" in str(
            caught.value
        )
        with store.lock("staging"):  # another environment is independent
            pass
