"""Local service processes: start one on a port, wait until it answers, stop it gracefully.

A process started here may outlive the command that started it (`modelci rollout start` returns
while the proxy and the model servers keep running): it gets a session of its own, its output
goes to a log file, and a later command finds it again by process id *and* start time
(`ProcessRef`), so a recycled process id is never signalled by mistake.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests

from modelci.errors import ServiceError

READY_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class ProcessRef:
    """A running process, named so that a later command can find it again."""

    pid: int
    started: float  # the kernel's start time (psutil's create_time), to tell a reused pid apart

    def alive(self) -> bool:
        process = self._process()
        return process is not None and process.status() != psutil.STATUS_ZOMBIE

    def stop(self, *, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait up to `timeout` seconds for a graceful exit, then SIGKILL.

        Returns the exit code when this process is its parent (None otherwise, or when the
        process had already gone)."""
        process = self._process()
        if process is None:
            return None
        try:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=timeout)
            except psutil.TimeoutExpired:
                process.kill()
                code = process.wait(timeout=5)
        except psutil.NoSuchProcess:
            return None
        return code if isinstance(code, int) else None

    def _process(self) -> psutil.Process | None:
        try:
            process = psutil.Process(self.pid)
            if abs(process.create_time() - self.started) > 0.01:
                return None  # the id now belongs to another process
        except psutil.NoSuchProcess:
            return None
        return process


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(
    argv: Sequence[str],
    *,
    log: Path,
    what: str,
    ready_url: str | None = None,
    ready: Callable[[], bool] | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    pass_fds: Sequence[int] = (),
) -> ProcessRef:
    """Start `argv` in its own session, then wait until GET `ready_url` answers 200 (or until
    `ready()` is true).

    A process that exits or is not ready within `timeout` seconds is stopped and reported with
    the end of its log (ServiceError)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        try:
            popen = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # survives the command that started it, and its Ctrl-C
                pass_fds=tuple(pass_fds),
            )
        except OSError as error:
            raise ServiceError(
                f"cannot start {what} ({argv[0]}): {error.strerror or error}",
                hint=f"Check that {argv[0]} is installed and on PATH.",
            ) from error
    ref = ProcessRef(popen.pid, psutil.Process(popen.pid).create_time())
    probe = ready or (lambda: answers(str(ready_url)))
    where = f" at {ready_url}" if ready_url else ""
    deadline = time.monotonic() + timeout
    while True:
        code = popen.poll()
        if code is not None:
            raise ServiceError(
                f"{what} exited with code {code} before it was ready{_tail(log)}",
                hint=f"Read its log: {log}",
            )
        if probe():
            return ref
        if time.monotonic() > deadline:
            ref.stop(timeout=5)
            raise ServiceError(
                f"{what} was not ready{where} within {timeout:g} s{_tail(log)}",
                hint=f"Read its log: {log}",
            )
        time.sleep(READY_POLL_SECONDS)


def answers(url: str) -> bool:
    """Whether GET `url` answers 200 within a second."""
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _tail(log: Path, lines: int = 5) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return (":\n  " + "\n  ".join(text)) if text else ""
