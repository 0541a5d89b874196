"""Local service processes: started, waited for, found again, stopped gracefully."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil
import pytest
import requests

from modelci.adapters import process
from modelci.adapters.process import ProcessRef
from modelci.errors import ServiceError
from tests.support.routing import start_echo


def test_a_server_is_ready_when_it_answers_and_stops_gracefully(tmp_path: Path) -> None:
    upstream, ref = start_echo(tmp_path, "stable")
    assert requests.get(f"{upstream.url}/v2/health/ready", timeout=5).status_code == 200
    assert ref.alive()
    assert ref.stop() == 0  # SIGTERM: it finished its requests and exited cleanly
    assert not ref.alive()
    assert ref.stop() is None  # already gone: nothing to do


def test_a_process_that_exits_before_ready_is_reported_with_its_log(tmp_path: Path) -> None:
    code = "import sys; print('model file refused'); sys.exit(7)"
    with pytest.raises(ServiceError) as caught:
        process.start(
            [sys.executable, "-c", code], log=tmp_path / "s.log",
            ready_url="http://127.0.0.1:9/", what="the canary server",
        )  # fmt: skip
    assert str(caught.value) == (
        "the canary server exited with code 7 before it was ready:\n  model file refused"
    )
    assert caught.value.hint == f"Read its log: {tmp_path / 's.log'}"


def test_a_process_never_ready_is_stopped_after_the_timeout(tmp_path: Path) -> None:
    port = process.free_port()
    with pytest.raises(ServiceError) as caught:
        process.start(
            [sys.executable, "-c", "import time; print('loading', flush=True); time.sleep(60)"],
            log=tmp_path / "s.log", ready_url=f"http://127.0.0.1:{port}/ready",
            what="the stable server", timeout=1,
        )  # fmt: skip
    assert str(caught.value) == (
        f"the stable server was not ready at http://127.0.0.1:{port}/ready within 1 s:\n  loading"
    )
    left = [
        child for child in psutil.Process().children()
        if child.status() != psutil.STATUS_ZOMBIE and "time.sleep(60)" in " ".join(child.cmdline())
    ]  # fmt: skip
    assert left == []  # it was stopped, not left behind


def test_a_reused_process_id_is_not_signalled(tmp_path: Path) -> None:
    _, ref = start_echo(tmp_path, "canary")
    impostor = ProcessRef(ref.pid, ref.started - 100)  # same id, another start time
    assert not impostor.alive()
    assert impostor.stop() is None
    assert ref.alive()
    ref.stop()


def test_a_missing_program_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="cannot start Caddy \\(no-such-caddy\\)") as caught:
        process.start(
            ["no-such-caddy"], log=tmp_path / "c.log", ready_url="http://127.0.0.1:9/",
            what="Caddy",
        )  # fmt: skip
    assert caught.value.hint == "Check that no-such-caddy is installed and on PATH."
