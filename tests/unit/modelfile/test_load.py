"""modelci.modelfile: the hash is checked before any byte is deserialised; skops loads only the
types the record trusts; pickle and joblib load after the hash check, with a warning."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier

from modelci.errors import ExitCode, ModelFileError
from modelci.modelfile import load_verified, load_workspace_model, read_metadata
from tests.support.exploit import Exploit


@pytest.fixture(scope="module")
def fitted() -> HistGradientBoostingClassifier:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    return HistGradientBoostingClassifier(max_iter=5).fit(x, x[:, 0] > 0)


def _save(root: Path, model: Any, format: str, **extra: Any) -> Path:
    """Write the model and a metadata record the way a training stage does; return the record."""
    (root / "models").mkdir(exist_ok=True)
    if format == "skops":
        blob, name = sio.dumps(model), "model.skops"
        extra.setdefault("trusted_types", sorted(sio.get_untrusted_types(data=blob)))
    elif format == "joblib":
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        blob, name = buffer.getvalue(), "model.joblib"
    else:
        blob, name = pickle.dumps(model), "model.pkl"
    (root / "models" / name).write_bytes(blob)
    record = {"model_file": name, "sha256": hashlib.sha256(blob).hexdigest(), "format": format}
    record.update(features=["a", "b", "c"], label="y", **extra)
    (root / "models" / "model.json").write_text(json.dumps(record))
    return root / "models" / "model.json"


@pytest.mark.parametrize("format", ["skops", "pickle", "joblib"])
def test_each_format_loads_once_its_hash_matches(
    fitted: HistGradientBoostingClassifier, tmp_path: Path, format: str
) -> None:
    _save(tmp_path, fitted, format)
    loaded = load_workspace_model(tmp_path)
    x = np.random.default_rng(1).normal(size=(20, 3))
    np.testing.assert_array_equal(loaded.model.predict_proba(x), fitted.predict_proba(x))
    assert (loaded.features, loaded.label, loaded.metadata.format) == (["a", "b", "c"], "y", format)
    if format == "skops":
        assert loaded.warnings == ()
    else:
        assert len(loaded.warnings) == 1
        assert f"is a {format} file: loading it can run any code" in loaded.warnings[0]


def test_a_changed_file_is_refused_before_it_is_deserialised(
    fitted: HistGradientBoostingClassifier, tmp_path: Path
) -> None:
    meta = _save(tmp_path, fitted, "pickle")
    marker = tmp_path / "exploited"
    model = tmp_path / "models" / "model.pkl"
    model.write_bytes(pickle.dumps(Exploit(marker)))
    actual = hashlib.sha256(model.read_bytes()).hexdigest()
    expected = json.loads(meta.read_text())["sha256"]
    with pytest.raises(ModelFileError) as caught:
        load_workspace_model(tmp_path)
    assert caught.value.exit_code == ExitCode.MODEL_REFUSED == 7
    assert str(caught.value) == (
        f"{model}: SHA-256 is {actual}, but training recorded {expected}: the file was changed "
        "or replaced since, so it is not loaded"
    )
    assert not marker.exists()


def test_a_type_the_record_does_not_trust_is_refused_and_named(
    fitted: HistGradientBoostingClassifier, tmp_path: Path
) -> None:
    _save(tmp_path, fitted, "skops", trusted_types=["functools.partial"])
    with pytest.raises(ModelFileError) as caught:
        load_workspace_model(tmp_path)
    message = str(caught.value)
    assert "needs type(s) its record does not trust: " in message
    assert "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor" in message
    assert "functools.partial" not in message.split("trust: ")[1]
    assert caught.value.hint == (
        "If training really uses them, list them in the metadata's `trusted_types`."
    )


def test_a_skops_file_holding_an_unexpected_callable_is_refused(tmp_path: Path) -> None:
    # A "model" whose archive needs os.system: never trusted unless the record lists it.
    _save(tmp_path, {"run": os.system}, "skops", trusted_types=[])
    with pytest.raises(ModelFileError, match=r"does not trust: .*system"):
        load_workspace_model(tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"sha256": None},
            "the model's metadata records no SHA-256 (`sha256`): refusing an unverifiable model",
        ),
        (
            {"sha256": "abc"},
            "the model's metadata records no SHA-256 (`sha256`): refusing an unverifiable model",
        ),
        ({"model_file": None}, "the model's metadata names no `model_file`"),
        ({"format": "onnx"}, "unknown model format 'onnx'"),
    ],
)
def test_a_record_that_cannot_vouch_for_its_file_is_refused(
    fitted: HistGradientBoostingClassifier,
    tmp_path: Path,
    change: dict[str, Any],
    message: str,
) -> None:
    meta = _save(tmp_path, fitted, "skops")
    record = {**json.loads(meta.read_text()), **change}
    meta.write_text(json.dumps({k: v for k, v in record.items() if v is not None}))
    with pytest.raises(ModelFileError) as caught:
        read_metadata(meta)
    assert str(caught.value) == f"{meta}: {message}"


def test_a_missing_record_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError) as caught:
        load_workspace_model(tmp_path)
    assert str(caught.value).endswith("models/model.json: the model's metadata file does not exist")
    assert caught.value.hint is not None and "dvc repro" in caught.value.hint


def test_the_format_follows_the_file_name_when_the_record_omits_it(
    fitted: HistGradientBoostingClassifier, tmp_path: Path
) -> None:
    meta = _save(tmp_path, fitted, "joblib")
    record = json.loads(meta.read_text())
    del record["format"]
    meta.write_text(json.dumps(record))
    assert read_metadata(meta).format == "joblib"
    record["model_file"] = "model.bin"
    meta.write_text(json.dumps(record))
    with pytest.raises(ModelFileError, match=r"cannot tell the format of model\.bin"):
        read_metadata(meta)


def test_corrupt_skops_bytes_with_a_matching_hash_are_refused(tmp_path: Path) -> None:
    blob = b"PK\x03\x04 not really a zip"
    path = tmp_path / "m.skops"
    path.write_bytes(blob)
    with pytest.raises(ModelFileError, match="not a readable skops file"):
        load_verified(path, sha256=hashlib.sha256(blob).hexdigest(), format="skops")
