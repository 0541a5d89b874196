"""What the server serves: the workspace's model named by dvc.yaml, or a model card's."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import skops.io as sio
import yaml
from sklearn.pipeline import Pipeline

from modelci.errors import ConfigError, ExitCode, ModelFileError
from modelci.serving.source import from_card, from_workspace, read_card
from tests.unit.serving.test_schema import FEATURES, REPO


def _workspace(root: Path, fitted: Pipeline, artifacts: dict[str, object] | None = None) -> None:
    (root / "models").mkdir()
    (root / "schemas").mkdir()
    shutil.copy(REPO / "schemas/transactions.yaml", root / "schemas/transactions.yaml")
    blob = sio.dumps(fitted)
    (root / "models/model.skops").write_bytes(blob)
    record = {"model_file": "model.skops", "format": "skops",
              "sha256": hashlib.sha256(blob).hexdigest(),
              "trusted_types": sorted(sio.get_untrusted_types(data=blob)),
              "features": FEATURES}  # fmt: skip
    (root / "models/model.json").write_text(json.dumps(record))
    section = {"data": [{"path": "data/t.csv", "schema": "schemas/transactions.yaml"}],
               "gates": [{"metric": "f1", "threshold": 0.5}],
               "predictions": {"path": "p.parquet", "threshold": 0.3}}  # fmt: skip
    (root / "params.yaml").write_text(yaml.safe_dump({"modelci": section}))
    if artifacts is not None:
        (root / "dvc.yaml").write_text(yaml.safe_dump({"stages": {}, "artifacts": artifacts}))


def test_the_workspace_model_takes_its_name_from_dvc_yaml_and_its_threshold_from_params(
    tmp_path: Path, model: Pipeline
) -> None:
    _workspace(tmp_path, model, {"fraud-detector": {"path": "models/model.skops", "type": "model"}})
    served = from_workspace(tmp_path)
    sha = json.loads((tmp_path / "models/model.json").read_text())["sha256"]
    assert (served.name, served.version, served.threshold) == (
        "fraud-detector",
        f"sha256-{sha[:12]}",
        0.3,
    )
    assert served.features == FEATURES


def test_without_an_artifact_the_model_is_called_model(tmp_path: Path, model: Pipeline) -> None:
    _workspace(tmp_path, model, {"other": {"path": "models/other.skops"}})
    assert from_workspace(tmp_path).name == "model"


def _card(root: Path, fitted: Pipeline, **changes: object) -> Path:
    _workspace(root, fitted)
    record = json.loads((root / "models/model.json").read_text())
    schema = root / "schemas/transactions.yaml"
    card = {
        "name": "fraud", "version": "v2.0.0", "features": FEATURES,
        "model": {"path": "models/model.skops", "sha256": record["sha256"], "format": "skops",
                  "trusted_types": record["trusted_types"]},
        "schema": {"path": "schemas/transactions.yaml",
                   "sha256": hashlib.sha256(schema.read_bytes()).hexdigest()},
    }  # fmt: skip
    card.update(changes)
    path = root / "model-card.json"
    path.write_text(json.dumps(card))
    return path


def test_a_card_serves_under_its_own_name_and_version(tmp_path: Path, model: Pipeline) -> None:
    served = from_card(_card(tmp_path, model))
    assert (served.name, served.version, served.threshold) == ("fraud", "v2.0.0", 0.5)


def test_a_card_whose_model_hash_differs_refuses_with_exit_7(
    tmp_path: Path, model: Pipeline
) -> None:
    path = _card(tmp_path, model)
    card = json.loads(path.read_text())
    card["model"]["sha256"] = "0" * 64
    path.write_text(json.dumps(card))
    with pytest.raises(ModelFileError) as caught:
        from_card(path)
    assert caught.value.exit_code == ExitCode.MODEL_REFUSED
    assert "but training recorded " + "0" * 64 in caught.value.message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "the model card has no `name`"),
        ({"schema": None}, "the model card has no `schema` object"),
        ({"features": []}, "the model card lists no `features`"),
    ],
)
def test_an_incomplete_card_is_a_config_error_naming_the_key(
    tmp_path: Path, model: Pipeline, changes: dict[str, object], message: str
) -> None:
    path = _card(tmp_path, model, **changes)
    with pytest.raises(ConfigError) as caught:
        read_card(path)
    assert caught.value.exit_code == ExitCode.CONFIG
    assert caught.value.message.startswith(f"{path}")
    assert caught.value.message.endswith(message)


def _registry_card(root: Path, fitted: Pipeline) -> Path:
    """The registry's card shape (`modelci registry card`): schemas inline, no feature list."""
    path = _card(root, fitted)
    card = json.loads(path.read_text())
    content = (root / "schemas/transactions.yaml").read_text()
    del card["schema"], card["features"]
    card["schemas"] = [
        {
            "dataset": "transactions",
            "path": "data/transactions.csv",
            "spec": "schemas/transactions.yaml",
            "sha256": hashlib.sha256(content.encode()).hexdigest(),
            "content": content,
        }
    ]
    path.write_text(json.dumps(card))
    (root / "schemas/transactions.yaml").unlink()  # an image holds the card and the model only
    return path


def test_the_registry_card_serves_its_inline_schema_with_the_fitted_model_s_inputs(
    tmp_path: Path, model: Pipeline
) -> None:
    served = from_card(_registry_card(tmp_path, model))
    assert (served.name, served.version) == ("fraud", "v2.0.0")
    assert served.features == list(model.feature_names_in_) == FEATURES


def test_a_changed_inline_schema_refuses_with_exit_7_before_the_model_loads(
    tmp_path: Path, model: Pipeline
) -> None:
    path = _registry_card(tmp_path, model)
    card = json.loads(path.read_text())
    card["schemas"][0]["content"] = card["schemas"][0]["content"].replace("amount", "amount2")
    card["model"]["sha256"] = "0" * 64  # were the model loaded first, this would be the error
    path.write_text(json.dumps(card))
    with pytest.raises(ModelFileError) as caught:
        from_card(path)
    assert caught.value.exit_code == ExitCode.MODEL_REFUSED
    assert "the schema was changed" in caught.value.message
