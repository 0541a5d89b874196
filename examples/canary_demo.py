"""The demo's last step: a second model version as a canary beside the first, analysed and decided.

In the scratch clone `serve_demo.py` made and registered the first version in:

1. the first version takes the `production` stage (`modelci registry assign`);
2. a second version is trained (one more boosting round per ten: `train.n_estimators` up 10%),
   committed and registered (its check runs, like any registration);
3. `modelci rollout run --canary NAME@SECOND` serves both from their registered model cards
   behind Caddy, while this script replays held-out rows through the router; each step's window
   (params.yaml's `modelci.rollout`: 5 s here) is analysed (errors, latency, scores, classes)
   and the canary is promoted or rolled back;
4. the decision and each step's reasons are printed, as `modelci rollout run` reported them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import requests
import yaml

STAGE = "production"
THREADS = 4  # concurrent clients replaying held-out rows


def _modelci(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelci", *args], cwd=clone, capture_output=True, text=True
    )


def _must(done: subprocess.CompletedProcess[str]) -> str:
    if done.returncode != 0:
        print(done.stdout + done.stderr, file=sys.stderr)
        sys.exit(done.returncode)
    return done.stdout


def second_version(clone: Path, first: str) -> str:
    """Put the first version in the stage, train and register a second one; its version."""
    _must(_modelci(clone, "registry", "assign", first, STAGE))
    params_path = clone / "params.yaml"
    params = yaml.safe_load(params_path.read_text())
    params["train"]["n_estimators"] = round(params["train"]["n_estimators"] * 1.1)
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))
    rounds = params["train"]["n_estimators"]
    for command in (
        [sys.executable, "-m", "dvc", "repro", "--quiet"],
        ["git", "commit", "--quiet", "-am", f"Train {rounds} boosting rounds"],
    ):
        done = subprocess.run(command, cwd=clone, capture_output=True, text=True)
        _must(done)
    registered = json.loads(_must(_modelci(clone, "registry", "register", "--format", "json")))
    return str(registered["version"])


class _Replay:
    """Threads posting one held-out row per request to the router until stopped."""

    def __init__(self, url: str, bodies: list[bytes]) -> None:
        self.url, self.bodies = url, bodies
        self.sent = self.failed = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._post, args=(i,)) for i in range(THREADS)]

    def __enter__(self) -> _Replay:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _post(self, offset: int) -> None:
        with requests.Session() as session:
            index = offset
            while not self._stop.is_set():
                body = self.bodies[index % len(self.bodies)]
                index += THREADS
                try:
                    ok = session.post(self.url, data=body, timeout=10).status_code == 200
                except requests.RequestException:
                    ok = False
                with self._lock:
                    self.sent += 1
                    self.failed += not ok


def _router_url(clone: Path, process: subprocess.Popen[str]) -> str:
    state = clone / ".modelci" / "rollouts" / STAGE / "state.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if state.exists():
            return str(json.loads(state.read_text())["router"]["url"])
        if process.poll() is not None:
            break
        time.sleep(0.1)
    _, err = process.communicate()
    sys.exit(f"the rollout did not start:\n{err[-3000:]}")


def canary(clone: Path, name: str, version: str, rows: pd.DataFrame) -> dict[str, Any]:
    """`modelci rollout run` under replayed traffic, to its end; what it reported."""
    command = [
        sys.executable, "-m", "modelci", "rollout", "run", "--env", STAGE,
        "--canary", f"{name}@{version}", "--format", "json",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=clone, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    bodies = [json.dumps([record]).encode() for record in rows.to_dict(orient="records")]
    try:
        url = _router_url(clone, process)
        print(f"      router at {url}: replaying held-out rows with {THREADS} clients", flush=True)
        with _Replay(f"{url}/predict", bodies) as replay:
            out, err = process.communicate(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
        _modelci(clone, "rollout", "stop", "--env", STAGE)  # the servers and the router
    if not out.strip():
        sys.exit(f"`modelci rollout run` printed nothing (exit {process.returncode}):\n{err}")
    result: dict[str, Any] = json.loads(out)
    result["exit_code"] = process.returncode
    result["requests"] = (replay.sent, replay.failed)
    return result


def show(result: dict[str, Any]) -> None:
    for step in result["steps"]:
        verdict = step["verdict"]  # None: the metrics could not be read (a server was down)
        said = verdict["verdict"] if verdict else step["message"]
        print(f"      step {step['canary_percent']}%: {said} -> {step['decision']}", flush=True)
        for reason in verdict["reasons"] if verdict else ():
            print(f"        {reason}")
    sent, failed = result["requests"]
    print(
        f"      decision: {result['ending']} (exit {result['exit_code']}); the clients sent "
        f"{sent} requests, {failed} failed"
    )
    for reason in result["reasons"]:
        print(f"        {reason}")
