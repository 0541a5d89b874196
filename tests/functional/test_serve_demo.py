"""`make demo`'s serving part (examples/serve_demo.py) for real, on a local `modelci serve` process:
the reference pipeline of a checkout is registered in a scratch clone, packaged, served from the
packaged card, and held-out rows come back with the model's own scores. The checkout keeps no
tag, no scratch folder and no server."""

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


def _checkout(tmp_path: Path) -> Path:
    """A developer's checkout of this repository's HEAD, after `modelci check` (as `make demo`
    runs it first): the pipeline reproduced, its outputs in the checkout's DVC cache."""
    checkout = tmp_path / "checkout"
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


def test_the_demo_registers_packages_serves_and_predicts_then_leaves_nothing(
    tmp_path: Path,
) -> None:
    checkout = _checkout(tmp_path)
    tags_before = subprocess.run(
        ["git", "tag"], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout
    env = dict(os.environ)
    env.pop("DOCKER_HOST", None)
    demo = subprocess.run(
        [sys.executable, str(ROOT / "examples/serve_demo.py"), "-C", str(checkout)],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
        env={**env, "TMPDIR": str(tmp_path)},
        timeout=900,
    )
    out = demo.stdout
    assert demo.returncode == 0, out + demo.stderr[-3000:]
    steps = re.findall(r"^\[(\d)/6\]", out, flags=re.MULTILINE)
    assert steps == ["1", "2", "3", "4", "5", "6"]
    assert re.search(r"registered fraud-detector v\d+\.\d+\.\d+: tag fraud-detector@v", out)
    assert "serving in a local `modelci serve` process" in out
    # Five held-out rows: the served score beside the model's, equal.
    table = out.split("[6/6] stopped the server\n")[1].splitlines()
    header, rows = table[0].split(), table[1:6]
    assert header[-4:] == ["served", "score", "model", "score"]
    for row in rows:
        served, model = row.split()[-2:]
        assert served == model
    assert "served scores equal the model's predict_proba (largest difference 0.00e+00)" in out

    # Nothing left behind: no tag in the checkout, no scratch folder, no server.
    tags_after = subprocess.run(
        ["git", "tag"], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout
    assert tags_after == tags_before
    scratch = re.search(r"into a scratch folder (\S+)", out)
    assert scratch and not Path(scratch[1]).exists()
    url = re.search(r"ready at (http://\S+)", out)
    assert url
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url[1]}/v2/health/live", timeout=5)
