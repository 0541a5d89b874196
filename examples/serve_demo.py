"""`make demo`, after the check: register, package and serve the reference model on this machine.

    python examples/serve_demo.py [-C CHECKOUT] [--engine auto|container|process]

1. clone     the checkout's HEAD into a scratch folder (a temp directory), sharing its DVC cache:
             the tags, the card and the build context are made there, never in the checkout
2. register  `dvc repro` (restored from the cache when nothing changed), then
             `modelci registry register`: the check runs, the tag NAME@vX.Y.Z carries the card
3. package   `modelci package`: the model, the card and the wheelhouse of the `image` extra
4. serve     with a container engine (DOCKER_HOST, or a Docker or podman socket):
             `modelci image build` and a container from the image; otherwise a local
             `modelci serve --model-card` process on the packaged card (what the image runs)
5. predict   held-out rows (data/test.parquet) over the Open Inference Protocol, printed beside
             the model's own scores (loaded here, hash-verified) and the rows' labels
6. stop      the server (container or process)
7. retrain   the first version takes the `production` stage; a second version is trained
             (10% more boosting rounds) and registered
8. canary    `modelci rollout run`: the second version as a canary beside the first, behind
             Caddy, under replayed held-out rows; promoted or rolled back by the analysis, the
             decision and its reasons printed (examples/canary_demo.py); then the scratch folder
             is removed

The base image is BASE_IMAGE (default python:3.11-slim, which the engine must be able to pull).
Exit status: 0 when the served scores equal the model's and the canary was decided (promoted
or rolled back; an inconclusive end is 11), else 1; modelci's own code when a step fails
(README, "Exit codes"). `--no-canary` stops after step 6.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import canary_demo  # examples/canary_demo.py, beside this script
import numpy as np
import pandas as pd
import requests

from modelci.adapters.process import free_port

ROWS = 5  # held-out rows sent in one request
STEPS = 8
READY_TIMEOUT = 120.0
SOCKETS = ("/var/run/docker.sock", "/run/podman/podman.sock")


def step(number: int, text: str) -> None:
    print(f"[{number}/{STEPS}] {text}", flush=True)


def run(cwd: Path, *command: str) -> str:
    """Run a command in `cwd`; on failure print its output and exit with its status."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stdout + done.stderr, file=sys.stderr)
        print(f"`{' '.join(command)}` failed with exit {done.returncode}", file=sys.stderr)
        sys.exit(done.returncode)
    return done.stdout


def modelci(cwd: Path, *args: str) -> str:
    return run(cwd, sys.executable, "-m", "modelci", *args)


def engine_socket() -> str | None:
    """The container engine to use: DOCKER_HOST, else a Docker or podman socket found here."""
    if os.environ.get("DOCKER_HOST"):
        return os.environ["DOCKER_HOST"]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    candidates = [*SOCKETS, *([f"{runtime}/podman/podman.sock"] if runtime else [])]
    return next((f"unix://{path}" for path in candidates if Path(path).is_socket()), None)


def scratch_clone(checkout: Path, into: Path) -> Path:
    """HEAD of `checkout` in `into`/repo, with no remote to push to and the checkout's DVC cache."""
    clone = into / "repo"
    run(checkout, "git", "clone", "--quiet", str(checkout), str(clone))
    run(clone, "git", "remote", "remove", "origin")  # nothing made here can reach the checkout
    for key, value in (("user.name", "modelci demo"), ("user.email", "demo@localhost")):
        known = subprocess.run(["git", "config", key], cwd=clone, capture_output=True, check=False)
        if known.returncode != 0:  # the scratch commit and tag need an identity
            run(clone, "git", "config", key, value)
    cache = run(checkout, sys.executable, "-m", "dvc", "cache", "dir").strip()
    run(clone, sys.executable, "-m", "dvc", "cache", "dir", "--local", cache)
    return clone


def register(clone: Path) -> dict[str, Any]:
    run(clone, sys.executable, "-m", "dvc", "repro", "--quiet")
    # Training records this machine's environment in models/model.json (tracked in git):
    # commit it in the scratch clone, so the version is exactly one clean commit.
    if run(clone, "git", "status", "--porcelain", "--untracked-files=no").strip():
        run(clone, "git", "commit", "--quiet", "-am", "Reproduced on this machine")
    result = json.loads(modelci(clone, "registry", "register", "--format", "json"))
    return dict(result)


@contextlib.contextmanager
def local_process(card: Path, cwd: Path) -> Iterator[str]:
    port = free_port()
    log = cwd / "serve.log"
    with log.open("wb") as handle:
        command = [sys.executable, "-m", "modelci", "serve", "--model-card", str(card)]
        process = subprocess.Popen(
            [*command, "--port", str(port)], cwd=cwd, stdout=handle, stderr=handle
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url, lambda: process.poll() is None, log)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)  # graceful: in-flight requests finish
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def container(clone: Path, docker_host: str, name: str) -> Iterator[str]:
    import docker

    base = os.environ.get("BASE_IMAGE", "python:3.11-slim")
    os.environ["DOCKER_HOST"] = docker_host
    build = ["image", "build", "--base-image", base, "--repository", f"modelci-demo/{name}"]
    built = json.loads(modelci(clone, *build, "--format", "json"))
    kept = built["tags"][0]
    print(f"      image {kept}, {built['size'] / 1e6:.0f} MB (kept in the engine)", flush=True)
    client = docker.DockerClient(base_url=docker_host, timeout=120)
    port = free_port()
    running = client.containers.run(
        built["image_id"], detach=True, ports={"8080/tcp": ("127.0.0.1", port)}
    )
    log = clone / "container.log"
    try:

        def alive() -> bool:
            running.reload()
            return bool(running.status in {"created", "running"})

        wait_ready(f"http://127.0.0.1:{port}", alive, log, logs=running.logs)
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(Exception):
            running.stop(timeout=30)
        running.remove(force=True)
        client.close()


def wait_ready(url: str, alive: Any, log: Path, logs: Any = None) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if not alive():
            text = logs().decode() if logs else log.read_text()
            sys.exit(f"the server stopped before it was ready:\n{text[-3000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/v2/health/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    sys.exit(f"the server at {url} was not ready within {READY_TIMEOUT:.0f} s")


def infer(url: str, name: str, version: str, rows: pd.DataFrame) -> list[float]:
    """Scores for `rows` over OIP v2: one [n, 1] tensor per column, as MLServer's codec sends."""
    datatypes = {"i": "INT64", "f": "FP64"}
    inputs = [
        {
            "name": column,
            "shape": [len(rows), 1],
            "datatype": datatypes.get(rows[column].dtype.kind, "BYTES"),
            "data": rows[column].tolist(),
        }
        for column in rows.columns
    ]
    answer = requests.post(
        f"{url}/v2/models/{name}/versions/{version}/infer", json={"inputs": inputs}, timeout=30
    )
    answer.raise_for_status()
    outputs = {output["name"]: output["data"] for output in answer.json()["outputs"]}
    return [float(score) for score in outputs["score"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-C", "--directory", type=Path, default=Path(), help="the checkout")
    parser.add_argument("--engine", choices=("auto", "container", "process"), default="auto")
    parser.add_argument("--no-canary", action="store_true", help="stop after serving (step 6)")
    args = parser.parse_args()
    checkout = args.directory.resolve()
    docker_host = engine_socket() if args.engine != "process" else None
    if args.engine == "container" and docker_host is None:
        sys.exit("no container engine: set DOCKER_HOST or start Docker or podman's socket")

    from modelci.modelfile import load_workspace_model

    with tempfile.TemporaryDirectory(prefix="modelci-demo.") as scratch:
        head = run(checkout, "git", "rev-parse", "--short", "HEAD").strip()
        step(1, f"cloning {head} into a scratch folder {scratch} (removed at the end)")
        clone = scratch_clone(checkout, Path(scratch))

        step(2, "reproducing and registering (modelci registry register)")
        registered = register(clone)
        name, version = registered["name"], registered["version"]
        print(f"      registered {name} {version}: tag {registered['tag']}", flush=True)

        step(3, "packaging (modelci package): model, card, Dockerfile, wheelhouse")
        context = json.loads(modelci(clone, "package", "--out", "build/image", "--format", "json"))
        print(f"      {context['wheels']} wheels in {clone / 'build/image'}", flush=True)

        where = f"a container ({docker_host})" if docker_host else "a local `modelci serve` process"
        step(4, f"serving in {where}")
        card = clone / "build/image/model/model-card.json"
        server = container(clone, docker_host, name) if docker_host else local_process(card, clone)
        with server as url:
            print(f"      ready at {url}", flush=True)
            loaded = load_workspace_model(clone)  # hash-verified, as the server loaded it
            test = pd.read_parquet(clone / "data/test.parquet")
            rows = test.sample(ROWS, random_state=0)
            step(5, f"predicting {ROWS} held-out rows (data/test.parquet) over OIP v2")
            served = infer(url, name, version, rows[loaded.features])
            expected = loaded.model.predict_proba(rows[loaded.features])[:, 1]
        step(6, "stopped the server")
        show_predictions(loaded, rows, served, expected)
        if args.no_canary:
            print("the scratch clone, its tags and the server are gone")
            return _agreement(served, expected)

        step(7, f"{name} {version} takes the production stage; training a second version")
        second = canary_demo.second_version(clone, version)
        print(f"      registered {name} {second}", flush=True)
        step(8, f"canary: {name} {second} beside {version} (modelci rollout run)")
        result = canary_demo.canary(clone, name, second, test[loaded.features])
        canary_demo.show(result)
    print("the scratch clone, its tags, the servers and the router are gone")
    decided = result["ending"] in {"promoted", "rolled-back"}
    return _agreement(served, expected) or (0 if decided else int(result["exit_code"]))


def show_predictions(loaded: Any, rows: pd.DataFrame, served: list[float], expected: Any) -> None:
    label = loaded.label
    shown = rows[[*loaded.features[:3], *([label] if label else [])]].copy()
    shown["served score"] = served
    shown["model score"] = expected
    print(shown.to_string(index=False, float_format=lambda value: f"{value:.4f}"))
    difference = float(np.max(np.abs(np.asarray(served) - expected)))
    said = "equal" if difference == 0.0 else "differ from"
    print(f"served scores {said} the model's predict_proba (largest difference {difference:.2e})")


def _agreement(served: list[float], expected: Any) -> int:
    """0 when the server scored exactly as the model does, else 1."""
    return 0 if np.array_equal(np.asarray(served), np.asarray(expected)) else 1


if __name__ == "__main__":
    sys.exit(main())
