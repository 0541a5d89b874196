"""Benchmark: what packaging the reference model costs, and its image beside MLServer's.

Registers the reference model in a scratch clone of this checkout (as `make demo` does, sharing
its DVC cache), packages it and builds its image twice from the same context; then builds an
image of MLServer 1.7.1 + mlserver-sklearn 1.7.1 serving the same fitted model (exported to
joblib), the same way: its own wheelhouse made on the host with `pip wheel`, installed with
`--no-index` into a virtual environment in a builder stage, copied onto the same base image.
Both images then run: time from container start to ready, and the scores of held-out rows
checked against the model's predict_proba. Printed, in one run:

  package     `modelci package` wall time (the wheelhouse: pip wheel from the local cache)
  wheels      number and total size of the wheels in each context
  build       `modelci image build` cold (this context's layers removed first) and warm
  image       each image's size (uncompressed, as the engine reports it), and the base's
  ready       container start to /v2/health/ready answering 200
  largest     the largest distributions installed in our image (from the wheels' contents)

Against the engine DOCKER_HOST names; without one, starts podman's Docker API with the test
configuration (tests/support/containers/) and the locally made Python base image.

    python benchmarks/image.py                        # local base image, podman
    DOCKER_HOST=unix:///run/docker.sock python benchmarks/image.py --base-image python:3.11-slim
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.serve import MLSERVER, oip_body, scores_of, sklearn_version  # noqa: E402
from examples.serve_demo import register, scratch_clone  # noqa: E402
from tests.support.containers import (  # noqa: E402 - after the path is set
    container_env,
    ensure_base_image,
    podman_service,
)

ROWS = 20  # held-out rows each server scores before it counts as working
MLSERVER_DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS builder
COPY wheels/ /wheels/
RUN python3 -m venv /opt/venv \\
 && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links=/wheels \\
      --require-hashes --no-deps -r /wheels/requirements.txt

FROM ${BASE_IMAGE}
COPY --from=builder /opt/venv /opt/venv
COPY models/ /models/
RUN groupadd --system --gid 10001 mlserver \\
 && useradd --system --uid 10001 --gid mlserver --no-create-home --shell /usr/sbin/nologin mlserver
ENV PATH="/opt/venv/bin:$PATH" PYTHONUNBUFFERED=1
WORKDIR /models
USER 10001:10001
EXPOSE 8080
CMD ["mlserver", "start", "/models"]
"""


@contextlib.contextmanager
def engine(work: Path) -> Iterator[str]:
    if os.environ.get("DOCKER_HOST"):
        yield os.environ["DOCKER_HOST"]
        return
    with podman_service(work) as url:
        yield url


def modelci(cwd: Path, docker_host: str, *args: str) -> tuple[float, str]:
    began = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "modelci", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**container_env(), "DOCKER_HOST": docker_host},
    )
    if run.returncode != 0:
        sys.exit(f"modelci {' '.join(args)} failed ({run.returncode}):\n{run.stderr[-3000:]}")
    return time.perf_counter() - began, run.stdout


def installed_sizes(wheels: Path) -> list[tuple[str, int]]:
    sizes = []
    for wheel in wheels.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            sizes.append((wheel.name.split("-")[0], sum(i.file_size for i in archive.infolist())))
    return sorted(sizes, key=lambda item: -item[1])


def mlserver_context(directory: Path, model: Any) -> float:
    """MLServer's build context: Dockerfile, hashed wheelhouse, the model as joblib; the
    seconds `pip wheel` took."""
    import hashlib

    import joblib

    wheels = directory / "wheels"
    wheels.mkdir(parents=True)
    began = time.perf_counter()
    pins = [*MLSERVER, f"scikit-learn=={sklearn_version()}"]
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--wheel-dir", str(wheels), *pins]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"pip wheel for MLServer failed ({done.returncode}):\n{done.stderr[-3000:]}")
    seconds = time.perf_counter() - began
    lines = []
    for wheel in sorted(wheels.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        lines.append(
            f"{name}=={version} --hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}"
        )
    (wheels / "requirements.txt").write_text("\n".join(lines) + "\n")
    folder = directory / "models" / "fraud"
    folder.mkdir(parents=True)
    joblib.dump(model, folder / "model.joblib")
    settings = {"parallel_workers": 0, "host": "0.0.0.0", "http_port": 8080}
    (directory / "models" / "settings.json").write_text(json.dumps(settings))
    model_settings = {
        "name": "fraud",
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": "v1"},
    }
    (folder / "model-settings.json").write_text(json.dumps(model_settings))
    (directory / "Dockerfile").write_text(MLSERVER_DOCKERFILE)
    return seconds


def build_mlserver(client: Any, directory: Path, base: str) -> tuple[float, Any]:
    began = time.perf_counter()
    image, _ = client.images.build(
        path=str(directory), buildargs={"BASE_IMAGE": base}, tag="modelci-bench/mlserver:1.7.1",
        rm=True,
    )  # fmt: skip
    return time.perf_counter() - began, image


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ready_and_scoring(
    client: Any, image: str, infer_path: str, body: dict[str, Any], expected: np.ndarray
) -> float:
    """Seconds from container start to ready; exits unless its scores equal `expected`."""
    port = free_port()
    began = time.perf_counter()
    container = client.containers.run(image, detach=True, ports={"8080/tcp": ("127.0.0.1", port)})
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            container.reload()
            if container.status not in {"created", "running"}:
                sys.exit(f"{image} exited:\n{container.logs().decode()[-3000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/v2/health/ready", timeout=2).status_code == 200:
                    break
            if time.perf_counter() - began > 180:
                sys.exit(f"{image} not ready in 180 s:\n{container.logs().decode()[-3000:]}")
            time.sleep(0.05)
        ready = time.perf_counter() - began
        got = scores_of(requests.post(url + infer_path, json=body, timeout=60).json())
        if not np.array_equal(got, expected):
            sys.exit(f"{image}'s scores differ from predict_proba: {got[:3]} vs {expected[:3]}")
        return ready
    finally:
        with contextlib.suppress(Exception):
            container.stop(timeout=10)
        container.remove(force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-image", help="default: the locally made Python base image")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp, engine(Path(temp)) as docker_host:
        import docker
        import pandas as pd

        from modelci.modelfile import load_workspace_model

        client = docker.DockerClient(base_url=docker_host, timeout=900)
        base = args.base_image or ensure_base_image()
        print("registering the reference model in a scratch clone ...", flush=True)
        clone = scratch_clone(ROOT, Path(temp))
        name = register(clone)["name"]
        loaded = load_workspace_model(clone)
        rows = pd.read_parquet(clone / "data/test.parquet").head(ROWS)[loaded.features]
        expected = np.asarray(loaded.model.predict_proba(rows)[:, 1])

        package_s, _ = modelci(clone, docker_host, "package", "--out", "ctx", "--format", "json")
        wheels = sorted((clone / "ctx/wheels").glob("*.whl"))
        build = ["image", "build", "--context", "ctx", "--base-image", base, "--format", "json"]
        build += ["--repository", f"modelci-bench/{name}"]
        cold_s, out = modelci(clone, docker_host, *build)
        ours = json.loads(out)
        warm_s, again = modelci(clone, docker_host, *build)
        same = json.loads(again)["image_id"] == ours["image_id"]

        print("building MLServer's image on the same base ...", flush=True)
        theirs_dir = Path(temp) / "mlserver"
        wheel_s = mlserver_context(theirs_dir, loaded.model)
        theirs_wheels = sorted((theirs_dir / "wheels").glob("*.whl"))
        mlserver_s, mlserver_image = build_mlserver(client, theirs_dir, base)
        theirs_size = int(mlserver_image.attrs.get("Size", 0))

        body = oip_body(rows, loaded.features, proba_output=False)
        ours_ready = ready_and_scoring(
            client, ours["image_id"], f"/v2/models/{name}/infer", body, expected
        )
        theirs_body = oip_body(rows, loaded.features, proba_output=True)
        theirs_ready = ready_and_scoring(
            client, mlserver_image.id, "/v2/models/fraud/infer", theirs_body, expected
        )
        base_size = client.images.get(base).attrs.get("Size", 0)

        def mb(paths: list[Path]) -> str:
            return f"{len(paths)} wheels, {sum(p.stat().st_size for p in paths) / 1e6:.0f} MB"

        print(f"package     {package_s:7.1f} s   ({mb(wheels)})")
        print(f"build cold  {cold_s:7.1f} s   (builder stage may be cached from earlier runs)")
        print(f"build warm  {warm_s:7.1f} s   same image: {same}")
        print(f"MLServer    {wheel_s:7.1f} s   pip wheel ({mb(theirs_wheels)})")
        print(f"MLServer    {mlserver_s:7.1f} s   build")
        print(f"base image  {base} {base_size / 1e6:.0f} MB")
        print()
        print("| | modelci serve | MLServer 1.7.1 + mlserver-sklearn | ours / MLServer |")
        print("| --- | ---: | ---: | ---: |")
        print(
            f"| image size | {ours['size'] / 1e6:.0f} MB | {theirs_size / 1e6:.0f} MB | "
            f"{ours['size'] / theirs_size:.2f}x |"
        )
        print(
            f"| above the base | {(ours['size'] - base_size) / 1e6:.0f} MB | "
            f"{(theirs_size - base_size) / 1e6:.0f} MB | "
            f"{(ours['size'] - base_size) / (theirs_size - base_size):.2f}x |"
        )
        print(f"| distributions | {len(wheels)} | {len(theirs_wheels)} | |")
        print(f"| container start to ready | {ours_ready:.1f} s | {theirs_ready:.1f} s | |")
        print(f"(both scored {ROWS} held-out rows exactly as predict_proba)")
        print("largest installed distributions in ours (MB):")
        for dist, size in installed_sizes(clone / "ctx/wheels")[:8]:
            print(f"  {dist:28} {size / 1e6:7.1f}")
        client.images.remove(ours["image_id"], force=True)
        client.images.remove(mlserver_image.id, force=True)
        client.close()


if __name__ == "__main__":
    main()
