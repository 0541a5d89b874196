"""The README's promise on the reference pipeline: pass; weaken the model -> gate fails with the
reason; corrupt the data -> every problem listed. Runs the real fraud pipeline in a temp repo."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import MiniProject

ROOT = Path(__file__).resolve().parents[2]
PIPELINE_FILES = [
    "dvc.yaml",
    "params.yaml",
    "scripts",
    "schemas",
    "dvc.lock",
    "eval",
    "models/model.json",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> MiniProject:
    root = tmp_path_factory.mktemp("reference") / "repo"
    root.mkdir()
    project = MiniProject(root)
    project.run("git", "init", "-q", "-b", "main")
    project.run(sys.executable, "-m", "dvc", "init", "-q")
    for name in PIPELINE_FILES:
        source = ROOT / name
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    project.write(".gitignore", "report.md\nreport.json\n")
    project.commit("base: the reference pipeline with its committed metrics")
    return project


def run_check(project: MiniProject) -> subprocess.CompletedProcess[str]:
    return project.run(sys.executable, "-m", "modelci", "check", "--base", "HEAD", check=False)


def edit_params(project: MiniProject, section: str, **values: object) -> None:
    params = yaml.safe_load((project.root / "params.yaml").read_text())
    params[section].update(values)
    project.write("params.yaml", yaml.safe_dump(params, sort_keys=False))


def test_reference_pipeline_passes_then_fails_on_a_weak_model_then_on_bad_data(
    reference: MiniProject,
) -> None:
    passed = run_check(reference)
    assert passed.returncode == 0, passed.stderr[-3000:]
    report = reference.report()
    gates = {g["metric"]: g for g in report["gates"]}  # type: ignore[union-attr]
    assert gates["f1"]["head"] >= 0.9
    ran = report["pipeline"]["ran"]  # type: ignore[index]
    assert ran[:4] == [
        "generate",
        "validate",
        "split",
        "train",
    ]  # evaluate too, unless train's bytes match the lock

    original = (reference.root / "params.yaml").read_text()
    edit_params(reference, "train", max_depth=1, n_estimators=20)
    weak = run_check(reference)
    assert weak.returncode == 1, weak.stderr[-3000:]
    f1 = {g["metric"]: g for g in reference.report()["gates"]}["f1"]  # type: ignore[union-attr]
    assert f1["passed"] is False
    assert any(
        reason.startswith("f1 = 0.") and "required >= 0.9" in reason for reason in f1["reasons"]
    )
    assert reference.report()["pipeline"]["ran"] == ["train", "evaluate"]  # type: ignore[index]
    assert "generate" in reference.report()["pipeline"]["skipped"]  # type: ignore[index]
    assert "Gate" in (reference.root / "report.md").read_text()

    reference.write("params.yaml", original)
    edit_params(reference, "generate", inject_errors=5)
    corrupt = run_check(reference)
    assert corrupt.returncode == 4, corrupt.stderr[-3000:]
    report = reference.report()
    assert report["verdict"] == "invalid-data"
    (dataset,) = report["validation"]  # type: ignore[misc]
    failing = {(f["column"], f["check"]) for f in dataset["failures"]}
    columns = {column for column, _ in failing}
    assert {"amount", "merchant_category", "hour", "card_age_days"} <= columns
    assert any(column == "amount" and "not_nullable" in check for column, check in failing)
    assert any(column == "amount" and "greater_than" in check for column, check in failing)
    assert any(column == "merchant_category" and "isin" in check for column, check in failing)
    assert ("hour", "in_range(0, 23)") in failing
    assert ("card_age_days", "coerce_dtype('int64')") in failing
    markdown = (reference.root / "report.md").read_text()
    assert markdown.startswith("## ❌ Fraud model report\n\n**Invalid data:")
    assert "unknown" in markdown
