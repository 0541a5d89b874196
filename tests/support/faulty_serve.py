"""`modelci serve` with a fault injected into its app, for the canary tests: a real server whose
predictions fail, slow down or stop, so the analysis sees it in the server's own /metrics.

    python faulty_serve.py FAULT serve --model-card CARD --port {port} ...

FAULT is one of
    errors:RATE      each prediction request fails with a 500 with probability RATE
    slow:FACTOR      each prediction request takes FACTOR times as long (the rest is a sleep)
    crash:SECONDS    the whole server (supervisor and worker) is killed SECONDS after its
                     first prediction request
    none             no fault

The fault wraps the app's routing, inside the app, so the failed and slow answers are counted
by the server's metrics as any others are. granian builds the app in a worker process from an
import path: this module's `create_app`, which wraps modelci's.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

_FAULT = "MODELCI_TEST_FAULT"
_PREDICTION_PATHS = ("/predict", "/infer")


def create_app() -> Any:
    from modelci.serving import server

    app = server.create_app()
    kind, _, value = os.environ.get(_FAULT, "none").partition(":")
    if kind == "none":
        return app
    route = app._route  # the app's own routing, wrapped
    crash_armed = threading.Event()

    async def faulty(method: str, path: str, *args: Any) -> Any:
        if not path.endswith(_PREDICTION_PATHS):
            return await route(method, path, *args)
        if kind == "errors" and random.random() < float(value):
            raise RuntimeError("injected fault")
        if kind == "crash" and not crash_armed.is_set():
            crash_armed.set()
            threading.Timer(float(value), _kill_server).start()
        began = time.perf_counter()
        answer = await route(method, path, *args)
        if kind == "slow":
            await asyncio.sleep((float(value) - 1) * (time.perf_counter() - began))
        return answer

    app._route = faulty
    return app


def _kill_server() -> None:
    os.killpg(os.getpgid(0), signal.SIGKILL)  # the server runs in a session of its own


def main(argv: list[str]) -> None:
    fault, *args = argv
    os.environ[_FAULT] = fault
    repo = str(Path(__file__).resolve().parents[2])
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, repo)
    import granian

    original = granian.Granian

    def retargeted(target: str, *rest: Any, **options: Any) -> Any:
        if target == "modelci.serving.server:create_app":
            target = "tests.support.faulty_serve:create_app"
        return original(target, *rest, **options)

    granian.Granian = retargeted  # type: ignore[misc] # serve() imports it by name when called
    from modelci.cli.main import main as modelci

    modelci(args)


if __name__ == "__main__":
    main(sys.argv[1:])
