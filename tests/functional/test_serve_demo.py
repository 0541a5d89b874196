"""`make demo`'s serving part (examples/serve_demo.py) for real: the reference pipeline of a
checkout is registered in a scratch clone, packaged, served from the packaged card (a local
`modelci serve` process; a container from the image on podman's Docker API), and held-out rows
come back with the model's own scores; then a second version is trained, registered and rolled
out as a canary behind Caddy under replayed rows, and the analysis decides. The checkout keeps
no tag, no scratch folder, no server and no router."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A developer's checkout of this repository's HEAD, after `modelci check` (as `make demo`
    runs it first): the pipeline reproduced, its outputs in the checkout's DVC cache."""
    checkout = tmp_path_factory.mktemp("developer") / "checkout"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(checkout)], check=True)
    check = subprocess.run(
        [sys.executable, "-m", "modelci", "check", "--base", "HEAD"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    return checkout


def _demo(checkout: Path, tmp_path: Path, *args: str, **env: str) -> str:
    """Run the demo on `checkout`; its output, once it exited 0 leaving the checkout's tags as
    they were."""
    tags_before = _tags(checkout)
    base = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    demo = subprocess.run(
        [sys.executable, str(ROOT / "examples/serve_demo.py"), "-C", str(checkout), *args],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
        env={**base, "TMPDIR": str(tmp_path), **env},
        timeout=1200,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr[-3000:]
    assert _tags(checkout) == tags_before
    return demo.stdout


def _tags(checkout: Path) -> str:
    return subprocess.run(
        ["git", "tag"], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout


def _served_as_the_model(out: str, steps: int = 6) -> None:
    shown = re.findall(r"^\[(\d)/8\]", out, flags=re.MULTILINE)
    assert shown == [str(n) for n in range(1, steps + 1)]
    assert re.search(r"registered fraud-detector v\d+\.\d+\.\d+: tag fraud-detector@v", out)
    # Five held-out rows: the served score beside the model's, equal.
    table = out.split("[6/8] stopped the server\n")[1].splitlines()
    header, rows = table[0].split(), table[1:6]
    assert header[-4:] == ["served", "score", "model", "score"]
    for row in rows:
        served, model = row.split()[-2:]
        assert served == model
    assert "served scores equal the model's predict_proba (largest difference 0.00e+00)" in out
    # Nothing left behind: no scratch folder, no server.
    scratch = re.search(r"into a scratch folder (\S+)", out)
    assert scratch and not Path(scratch[1]).exists()
    url = re.search(r"ready at (http://\S+)", out)
    assert url
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url[1]}/v2/health/live", timeout=5)


def test_without_an_engine_a_local_process_serves_the_packaged_card(
    checkout: Path, tmp_path: Path
) -> None:
    out = _demo(checkout, tmp_path, "--engine", "process")
    assert "serving in a local `modelci serve` process" in out
    _served_as_the_model(out, steps=8)
    _canary_decided(out)


def _canary_decided(out: str) -> None:
    """The second version was registered, rolled out and decided, each step with its reasons,
    and the replayed traffic lost no request; the router is gone afterwards."""
    assert re.search(r"registered fraud-detector v0\.0\.2$", out, flags=re.MULTILINE), out
    looks = re.findall(r"^      step (\d+)%: (pass|fail|inconclusive) -> (\S+)$", out, re.M)
    assert looks and looks[0][0] == "10", out
    for _, verdict, _ in looks:
        assert verdict in {"pass", "fail"}, out  # the replayed traffic is enough for each look
    # Each look names its checks' reasons (all of them on a pass, the failing ones on a fail).
    reasons = re.findall(r"^        (errors|latency|scores|classes): ", out, flags=re.MULTILINE)
    assert len(reasons) >= len(looks), out
    decision = re.search(r"decision: (promoted|rolled-back) \(exit (\d+)\); the clients sent "
                         r"(\d+) requests, 0 failed", out)  # fmt: skip
    assert decision, out
    assert (decision[1], decision[2]) in {("promoted", "0"), ("rolled-back", "10")}
    router = re.search(r"router at (http://\S+):", out)
    assert router
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{router[1]}/predict", timeout=5)


@pytest.mark.xdist_group("image")
def test_with_an_engine_a_container_from_the_image_serves(checkout: Path, tmp_path: Path) -> None:
    """The image holds only the `image` extra: the container must still become ready and
    score as the model does."""
    from tests.support.containers import (
        ensure_base_image,
        podman_service,
        prune_builder_stages,
        require_container_tools,
    )

    require_container_tools()
    base = ensure_base_image()
    with podman_service(tmp_path) as docker_host:
        out = _demo(
            checkout,
            tmp_path,
            "--engine",
            "container",
            "--no-canary",
            DOCKER_HOST=docker_host,
            BASE_IMAGE=base,
        )
        import docker

        client = docker.DockerClient(base_url=docker_host, timeout=300)
        try:
            kept = re.search(r"image (\S+), \d+ MB \(kept in the engine\)", out)
            assert kept, out
            assert client.containers.list(all=True, filters={"ancestor": kept[1]}) == []
            client.images.remove(client.images.get(kept[1]).id, force=True)  # both its tags
            prune_builder_stages(client)
        finally:
            client.close()
    assert f"serving in a container ({docker_host})" in out
    _served_as_the_model(out)
