"""`modelci drift` on the reference pipeline's generator, in a real git + DVC repository: the
transactions file is DVC-tracked, and the reference is the same file at a git revision, read
through DVC. Without the `generate.drift` knob a new sample is no drift; with it, drift."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import MiniProject

ROOT = Path(__file__).resolve().parents[2]
DATA = "data/transactions.csv"
PARAMS = {"n_rows": 5000, "fraud_rate": 0.015, "seed": 1, "drift": 0.0, "inject_errors": 0}
DRIFT_SETTINGS = {"modelci": {"drift": {"exclude": ["transaction_id", "is_fraud"]}}}


def _generate(project: MiniProject, **changes: object) -> None:
    project.write("params.yaml", yaml.safe_dump({"generate": PARAMS | changes, **DRIFT_SETTINGS}))
    project.run(sys.executable, str(ROOT / "scripts/generate.py"))
    project.run(sys.executable, "-m", "dvc", "add", "-q", DATA)


def _drift(project: MiniProject, *args: str) -> tuple[int, dict[str, object] | None, str]:
    done = project.run(
        sys.executable, "-m", "modelci", "drift", "--current", DATA, "--format", "json", *args,
        check=False,
    )  # fmt: skip
    return done.returncode, json.loads(done.stdout) if done.stdout else None, done.stderr


@pytest.fixture
def project(tmp_path: Path) -> MiniProject:
    project = MiniProject(tmp_path / "repo")
    project.root.mkdir()
    project.run("git", "init", "-q", "-b", "main")
    project.run(sys.executable, "-m", "dvc", "init", "-q")
    _generate(project)
    project.commit("transactions, seed 1")
    return project


def test_a_new_sample_without_drift_is_no_drift(project: MiniProject) -> None:
    _generate(project, seed=2)
    code, report, _ = _drift(project, "--reference-rev", "HEAD")
    assert report is not None
    assert (code, report["verdict"], report["reference"]) == (
        0, "no-drift", {"source": f"{DATA}@HEAD", "rows": 5000}
    )  # fmt: skip
    assert [c["column"] for c in report["columns"] if c["drifted"]] == []  # type: ignore[index,union-attr]


def test_the_drift_knob_is_detected_against_the_committed_data(project: MiniProject) -> None:
    _generate(project, seed=2, drift=1.0)
    code, report, _ = _drift(project, "--reference-rev", "HEAD")
    assert report is not None
    drifted = sorted(c["column"] for c in report["columns"] if c["drifted"])  # type: ignore[union-attr]
    assert (code, report["verdict"]) == (8, "drift")
    assert drifted == ["amount", "distance_from_home_km", "hour", "is_online", "velocity_1h"]
    # committed: the same data at HEAD~1 and HEAD compare as drift too, read through DVC
    project.commit("drifted transactions")
    code, report, _ = _drift(project, "--reference", DATA, "--reference-rev", "HEAD~1")
    assert (code, report["reference"]["source"]) == (8, f"{DATA}@HEAD~1")  # type: ignore[index]


def test_an_unknown_revision_is_a_usage_error(project: MiniProject) -> None:
    code, report, err = _drift(project, "--reference-rev", "no-such-rev")
    assert (code, report) == (2, None)
    assert err.startswith("Error: revision `no-such-rev` not found in ")
