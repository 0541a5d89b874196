"""The engine adapter's own logic, with the docker SDK's low-level client swapped for a script.

(The real engine is exercised in tests/functional/test_image.py; here: how build and push
events become progress, digests and errors, and that a failed push is retried, then given up.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from modelci.adapters.docker import DockerEngine, EngineError

DIGEST = "sha256:" + "5e" * 32


@dataclass
class ScriptedAPI:
    pushes: list[list[dict[str, Any]] | Exception] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def push(self, repository: str, *, tag: str, stream: bool, decode: bool) -> Iterator[Any]:
        self.calls.append((repository, tag))
        step = self.pushes.pop(0)
        if isinstance(step, Exception):
            raise step
        return iter(step)


@dataclass
class ScriptedClient:
    api: ScriptedAPI


def engine(*pushes: list[dict[str, Any]] | Exception, attempts: int = 3) -> DockerEngine:
    return DockerEngine(
        ScriptedClient(ScriptedAPI(list(pushes))), push_attempts=attempts, max_wait=0
    )


def test_the_pushed_digest_comes_from_the_engines_aux_event() -> None:
    lines: list[str] = []
    done = [{"status": "Pushing", "progressDetail": {"current": 1}}, {"aux": {"Digest": DIGEST}}]
    assert engine(done).push("r.example/m", "v1", progress=lines.append) == DIGEST
    assert lines == [f"pushed r.example/m:v1 {DIGEST}"]


def test_a_lost_connection_is_retried_until_the_push_lands() -> None:
    lines: list[str] = []
    adapter = engine(
        requests.ConnectionError("reset"), [{"status": f"v1: digest: {DIGEST} size: 9"}]
    )
    assert adapter.push("r.example/m", "v1", progress=lines.append) == DIGEST
    assert adapter.client.api.calls == [("r.example/m", "v1")] * 2
    assert lines[0] == "push of r.example/m:v1 failed (attempt 1), retrying"


def test_a_registry_that_keeps_failing_is_given_up_with_the_attempts_named() -> None:
    failing = [{"error": "received unexpected HTTP status: 503 Service Unavailable"}]
    adapter = engine(failing, failing, attempts=2)
    with pytest.raises(EngineError) as error:
        adapter.push("r.example/m", "v1", progress=lambda _: None)
    assert error.value.message == (
        "pushing r.example/m:v1 failed: received unexpected HTTP status: 503 Service Unavailable "
        "(after 2 attempts)"
    )
    assert len(adapter.client.api.calls) == 2


def test_a_refused_login_is_not_retried() -> None:
    adapter = engine([{"error": "unauthorized: authentication required"}])
    with pytest.raises(
        EngineError, match=r"the registry refused the push of r\.example/m:v1"
    ) as error:
        adapter.push("r.example/m", "v1", progress=lambda _: None)
    assert "docker login" in (error.value.hint or "")
    assert len(adapter.client.api.calls) == 1


def test_a_failed_build_step_becomes_an_error_with_the_engines_message() -> None:
    events = [
        {"stream": "STEP 1/9: FROM base\n"},
        {"error": "x", "errorDetail": {"message": "exit status 1"}},
    ]
    lines: list[str] = []
    with pytest.raises(EngineError, match="the image build failed: exit status 1"):
        DockerEngine._follow_build(events, lines.append)
    assert lines == ["STEP 1/9: FROM base"]
