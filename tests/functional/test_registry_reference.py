"""The reference fraud pipeline registers as `fraud-detector`: the card carries the skops file's
trusted types, the training environment, the data's dvc.lock hashes and the F1 interval."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from tests.functional.conftest import MiniProject
from tests.functional.registry_project import card_of, registry
from tests.functional.test_reference_pipeline import PIPELINE_FILES

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_the_reference_model_registers_with_its_lineage(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    project = MiniProject(root)
    project.run("git", "init", "-q", "-b", "main")
    project.run(sys.executable, "-m", "dvc", "init", "-q")
    for name in PIPELINE_FILES:
        source, target = ROOT / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    project.write(".gitignore", (ROOT / ".gitignore").read_text())
    project.commit("the reference pipeline")
    project.repro()  # the DVC-cached outputs (data, the model file) are not in git
    if project.git("status", "--porcelain", "--untracked-files=no"):
        project.commit("reproduced here")  # training records this machine's environment

    result = registry(project, "register")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Registered fraud-detector v0.0.1: tag fraud-detector@v0.0.1")

    card = card_of(project, "fraud-detector@v0.0.1")
    metadata = json.loads((root / "models/model.json").read_text())
    lock = yaml.safe_load((root / "dvc.lock").read_text())["stages"]
    model = card["model"]
    assert (model["path"], model["format"]) == ("models/model.skops", "skops")  # type: ignore[index]
    assert model["trusted_types"] == metadata["trusted_types"] != []  # type: ignore[index]
    assert model["sha256"] == metadata["sha256"]  # type: ignore[index]
    assert model["features"] == metadata["features"] != []  # type: ignore[index]  # what serving takes
    assert card["environment"]["packages"] == metadata["environment"]["packages"]  # type: ignore[index]
    assert "scikit-learn" in card["environment"]["packages"]  # type: ignore[index]
    transactions = next(o for o in lock["generate"]["outs"])
    deps = {d["path"]: d for d in card["dependencies"]}  # type: ignore[attr-defined]
    assert deps["data/transactions.csv"]["md5"] == transactions["md5"]
    assert deps["data/transactions.csv"]["produced_by"] == "generate"
    [schema] = card["schemas"]  # type: ignore[misc]
    assert (
        schema["sha256"]
        == hashlib.sha256((root / "schemas/transactions.yaml").read_bytes()).hexdigest()
    )
    f1 = next(m for m in card["metrics"] if m["source"] == "eval/metrics.json:f1")  # type: ignore[attr-defined]
    assert f1["interval"]["low"] < f1["value"] < f1["interval"]["high"]
    assert card["warnings"] == []
    gto = Path(sys.executable).with_name("gto")
    assert (
        json.loads(project.run(str(gto), "show", "--json").stdout)["fraud-detector"]["version"]
        == "v0.0.1"
    )
