"""Benchmark: what packaging a model costs, and how big its image is.

Packages a small registered model (a git repository with a fitted scikit-learn model and its
card), then builds the image twice from the same context and prints:

  package     `modelci package` wall time (the wheelhouse: pip wheel from the local cache)
  wheels      number and total size of the wheels in the context
  build cold  `modelci image build` with the engine's cache emptied of this context's layers
  build warm  the same again (every layer cached; the same image comes back)
  image       the image's size (uncompressed, as the engine reports it), and its base's
  largest     the largest distributions installed in the image (from the wheels' contents)

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
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.containers import (  # noqa: E402 - after the path is set
    container_env,
    ensure_base_image,
    podman_service,
)
from tests.support.model_project import make_project  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-image", help="default: the locally made Python base image")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp, engine(Path(temp)) as docker_host:
        import docker

        client = docker.DockerClient(base_url=docker_host, timeout=600)
        base = args.base_image or ensure_base_image()
        root = Path(temp) / "project"
        make_project(root)
        package_s, _ = modelci(root, docker_host, "package", "--out", "ctx", "--format", "json")
        wheels = sorted((root / "ctx/wheels").glob("*.whl"))
        build = ["image", "build", "--context", "ctx", "--base-image", base, "--format", "json"]
        build += ["--repository", "modelci-bench/fraud"]
        cold_s, out = modelci(root, docker_host, *build)
        result = json.loads(out)
        warm_s, again = modelci(root, docker_host, *build)
        same = json.loads(again)["image_id"] == result["image_id"]
        base_size = client.images.get(base).attrs.get("Size", 0)
        print(f"package     {package_s:7.1f} s")
        print(
            f"wheels      {len(wheels):7d}   {sum(w.stat().st_size for w in wheels) / 1e6:7.1f} MB"
        )
        print(f"build cold  {cold_s:7.1f} s   (builder stage may be cached from earlier runs)")
        print(f"build warm  {warm_s:7.1f} s   same image: {same}")
        print(f"image       {result['size'] / 1e6:7.0f} MB   base {base} {base_size / 1e6:.0f} MB")
        print("largest installed distributions (MB):")
        for name, size in installed_sizes(root / "ctx/wheels")[:10]:
            print(f"  {name:28} {size / 1e6:7.1f}")
        client.images.remove(result["image_id"], force=True)
        client.close()


if __name__ == "__main__":
    main()
