"""Tests of scripts/train.py and scripts/evaluate.py, above all the model hash check."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from tests.support.exploit import Exploit
from tests.support.scripts import load_script

evaluate = load_script("evaluate")
generate_transactions = load_script("generate").generate_transactions
split = load_script("split").split
train = load_script("train").train

SMALL_MODEL = {
    "model": "hist_gradient_boosting",
    "n_estimators": 20,
    "max_depth": 4,
    "min_samples_leaf": 20,
    "seed": 0,
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    directory = tmp_path_factory.mktemp("model")
    train_df, test_df = split(generate_transactions(6000, seed=11), test_size=0.25, seed=0)
    model_path, meta_path = directory / "model.skops", directory / "model.json"
    train(train_df, SMALL_MODEL, model_path, meta_path)
    return {"model": model_path, "meta": meta_path, "test": test_df, "n_train": len(train_df)}


def _copy(trained: dict[str, Any], tmp_path: Path) -> tuple[Path, Path]:
    model_path, meta_path = tmp_path / "model.skops", tmp_path / "model.json"
    model_path.write_bytes(trained["model"].read_bytes())
    meta_path.write_bytes(trained["meta"].read_bytes())
    return model_path, meta_path


def test_metadata_records_hash_features_and_params(trained: dict[str, Any]) -> None:
    metadata = json.loads(trained["meta"].read_text())
    assert metadata["sha256"] == evaluate.sha256_bytes(trained["model"].read_bytes())
    assert metadata["features"][0] == "amount"
    assert "transaction_id" not in metadata["features"]
    assert metadata["label"] == "is_fraud"
    assert metadata["params"] == SMALL_MODEL
    assert metadata["n_train_rows"] == trained["n_train"]
    assert metadata["sklearn_version"]
    assert metadata["format"] == "skops"
    environment = metadata["environment"]
    assert environment["packages"]["scikit-learn"] == metadata["sklearn_version"]
    assert environment["python"].count(".") == 2


def test_verified_model_loads_and_scores(trained: dict[str, Any]) -> None:
    model, metadata = evaluate.load_verified_model(trained["model"], trained["meta"])
    result = evaluate.evaluate(model, metadata, trained["test"], threshold=0.5)
    metrics = result["metrics"]
    assert set(metrics) == {
        "f1",
        "precision",
        "recall",
        "roc_auc",
        "average_precision",
        "accuracy",
        "n_test",
        "n_fraud_test",
    }
    assert metrics["n_test"] == len(trained["test"])
    assert metrics["roc_auc"] > 0.8
    assert all(round(v, 4) == v for k, v in metrics.items() if isinstance(v, float))
    assert 0 < len(result["pr_curve"]) <= evaluate.MAX_CURVE_POINTS
    assert set(result["pr_curve"][0]) == {"recall", "precision", "threshold"}
    matrix = result["confusion_matrix"]
    assert sum(matrix.values()) == metrics["n_test"]
    assert matrix["tp"] + matrix["fn"] == metrics["n_fraud_test"]


def test_tampered_model_is_refused_before_loading(
    trained: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_path, meta_path = _copy(trained, tmp_path)
    marker = tmp_path / "exploited"
    model_path.write_bytes(pickle.dumps(Exploit(marker)))

    def no_loading(data: bytes, trusted: Any = None) -> None:
        raise AssertionError("loaded a model whose hash did not match")

    monkeypatch.setattr(evaluate.sio, "loads", no_loading)
    monkeypatch.setattr(evaluate.sio, "get_untrusted_types", no_loading)
    with pytest.raises(evaluate.ModelIntegrityError, match="refusing to load"):
        evaluate.load_verified_model(model_path, meta_path)
    assert not marker.exists()


def test_single_flipped_byte_is_refused(trained: dict[str, Any], tmp_path: Path) -> None:
    model_path, meta_path = _copy(trained, tmp_path)
    blob = bytearray(model_path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    model_path.write_bytes(bytes(blob))
    with pytest.raises(evaluate.ModelIntegrityError, match="sha256"):
        evaluate.load_verified_model(model_path, meta_path)


def test_a_type_the_metadata_does_not_trust_is_refused(
    trained: dict[str, Any], tmp_path: Path
) -> None:
    model_path, meta_path = _copy(trained, tmp_path)
    metadata = json.loads(meta_path.read_text())
    assert "sklearn.utils.validation.check_array" in metadata["trusted_types"]
    metadata["trusted_types"].remove("sklearn.utils.validation.check_array")
    meta_path.write_text(json.dumps(metadata))
    with pytest.raises(evaluate.ModelIntegrityError) as caught:
        evaluate.load_verified_model(model_path, meta_path)
    assert str(caught.value) == (
        f"{model_path} needs types {meta_path} does not trust: sklearn.utils.validation.check_array"
    )


def test_metadata_without_hash_is_refused(trained: dict[str, Any], tmp_path: Path) -> None:
    model_path, meta_path = _copy(trained, tmp_path)
    metadata = json.loads(meta_path.read_text())
    del metadata["sha256"]
    meta_path.write_text(json.dumps(metadata))
    with pytest.raises(evaluate.ModelIntegrityError, match="no sha256"):
        evaluate.load_verified_model(model_path, meta_path)


def test_stage_exits_with_a_clear_error_on_tampering(
    trained: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "models").mkdir()
    model_path, _ = _copy(trained, tmp_path / "models")
    model_path.write_bytes(model_path.read_bytes() + b"\0")
    (tmp_path / "params.yaml").write_text("evaluate:\n  threshold: 0.5\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as caught:
        evaluate.main()
    assert "refusing to load" in str(caught.value.code)
    assert not (tmp_path / "eval").exists()


def test_predictions_carry_the_row_ids_labels_and_scores(trained: dict[str, Any]) -> None:
    model, metadata = evaluate.load_verified_model(trained["model"], trained["meta"])
    test = trained["test"]
    result = evaluate.evaluate(model, metadata, test, threshold=0.5)
    predictions = result["predictions"]
    assert list(predictions.columns) == ["row_id", "label", "score"]
    assert predictions["row_id"].tolist() == sorted(test["transaction_id"])
    by_id = test.set_index("transaction_id")
    assert (predictions["label"].to_numpy() == by_id.loc[predictions["row_id"], "is_fraud"]).all()
    # the stored scores give back the stage's own metrics
    flagged = predictions["score"] >= 0.5
    recomputed = f1_score(predictions["label"], flagged)
    assert round(recomputed, 4) == result["metrics"]["f1"]
    assert round(roc_auc_score(predictions["label"], predictions["score"]), 4) == pytest.approx(
        result["metrics"]["roc_auc"], abs=1e-4
    )


def test_stage_writes_the_predictions_file(
    trained: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "data").mkdir()
    _copy(trained, tmp_path / "models")
    trained["test"].to_parquet(tmp_path / "data/test.parquet", index=False)
    (tmp_path / "params.yaml").write_text("evaluate:\n  threshold: 0.5\n")
    monkeypatch.chdir(tmp_path)
    evaluate.main()
    written = pd.read_parquet(tmp_path / "eval/predictions.parquet")
    assert len(written) == len(trained["test"])
    assert written["row_id"].is_unique
    assert str(written["score"].dtype) == "float32"
    metrics = json.loads((tmp_path / "eval/metrics.json").read_text())
    assert int(written["label"].sum()) == metrics["n_fraud_test"]
