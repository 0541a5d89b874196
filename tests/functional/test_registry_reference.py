"""The reference fraud pipeline registers as `fraud-detector`: the card carries the skops file's
trusted types, the training environment, the data's dvc.lock hashes and the F1 interval."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.functional.conftest import MiniProject
from tests.functional.registry_project import card_of, registry
from tests.functional.test_reference_pipeline import PIPELINE_FILES
from tests.support.serving import start_server

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> MiniProject:
    """The reference pipeline reproduced, committed and registered as fraud-detector v0.0.1."""
    root = tmp_path_factory.mktemp("reference") / "repo"
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
    return project


def test_the_reference_model_registers_with_its_lineage(registered: MiniProject) -> None:
    project, root = registered, registered.root
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


def test_a_registered_version_is_served_from_its_card_with_its_model_from_the_dvc_cache(
    registered: MiniProject, tmp_path: Path
) -> None:
    """What `modelci rollout run` serves for NAME@VERSION: the registered card, the model file
    read at the version's commit (here from the DVC cache: the workspace's copy is gone)."""
    from modelci.rollout.cards import serving_card

    workspace_model = registered.root / "models/model.skops"
    aside = tmp_path / "model.skops"
    workspace_model.rename(aside)
    try:
        card = serving_card(registered.root, "fraud-detector", "v0.0.1", tmp_path / "card")
    finally:
        aside.rename(workspace_model)
    served = json.loads(card.read_text())
    assert (served["name"], served["version"]) == ("fraud-detector", "v0.0.1")
    metadata = json.loads((registered.root / "models/model.json").read_text())
    assert served["model"]["sha256"] == metadata["sha256"]
    assert served["features"] == metadata["features"]
    running = start_server(tmp_path, "--model-card", str(card))
    try:
        rows = pd.read_csv(registered.root / "data/transactions.csv").head(20)
        answer = running.post("/predict", json=rows[metadata["features"]].to_dict("records"))
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["scores"]) == 20
        info = running.get("/v2/models/fraud-detector").json()
        assert info["versions"] == ["v0.0.1"], info
    finally:
        assert running.stop() == 0
