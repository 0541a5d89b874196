"""Helpers for the router and rollout tests: echo servers as local processes."""

from __future__ import annotations

import sys
from pathlib import Path

from modelci.adapters import process
from modelci.adapters.caddy import Upstream
from modelci.adapters.process import ProcessRef

ECHO = Path(__file__).with_name("echo_server.py")


def echo_command(name: str, *extra: str) -> tuple[str, ...]:
    """The echo server's command line, with `{port}` for the rollout to fill in."""
    return (sys.executable, str(ECHO), "--port", "{port}", "--name", name, *extra)


def start_echo(folder: Path, name: str, *extra: str) -> tuple[Upstream, ProcessRef]:
    port = process.free_port()
    argv = [part.replace("{port}", str(port)) for part in echo_command(name, *extra)]
    url = f"http://127.0.0.1:{port}"
    ref = process.start(
        argv, log=folder / f"{name}.log", ready_url=f"{url}/v2/health/ready", what=name
    )
    return Upstream(name, url), ref
