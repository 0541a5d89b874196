"""The `modelci.testing` pytest plugin, run inside pytest with pytester."""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from modelci.testing import PARAMS_ENV, ROOT_ENV

PARAMS = """\
modelci:
  test_data: data/test.csv
  predictions:
    path: eval/predictions.csv
    threshold: 0.5
"""

MODEL_TESTS = """\
def test_the_model_scores_positives_above_the_threshold(model, test_data, modelci_config):
    positives = test_data[test_data[model.label] == 1]
    scores = model.model.predict_proba(positives[model.features])[:, 1]
    assert scores.mean() > modelci_config.predictions.threshold
    assert model.features == ["x0", "x1"]


def test_predictions_cover_the_test_rows(predictions, test_data):
    assert sorted(predictions["row_id"]) == sorted(test_data["row_id"])


def test_the_model_is_verified_once_per_session(model):
    assert model.metadata.sha256 == EXPECTED_SHA
"""


@pytest.fixture(autouse=True)
def _no_params_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PARAMS_ENV, raising=False)
    monkeypatch.delenv(ROOT_ENV, raising=False)


def make_project(root: Path) -> str:
    """A trained model (skops, with its SHA-256 record), its test split and predictions."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    model = LogisticRegression().fit(x, y)
    blob = sio.dumps(model)
    (root / "models").mkdir()
    (root / "models" / "model.skops").write_bytes(blob)
    sha = hashlib.sha256(blob).hexdigest()
    record = {
        "model_file": "model.skops",
        "format": "skops",
        "sha256": sha,
        "trusted_types": sorted(sio.get_untrusted_types(data=blob)),
        "features": ["x0", "x1"],
        "label": "y",
    }
    (root / "models" / "model.json").write_text(json.dumps(record))
    test = pd.DataFrame({"row_id": range(100), "x0": x[:100, 0], "x1": x[:100, 1], "y": y[:100]})
    (root / "data").mkdir()
    test.to_csv(root / "data" / "test.csv", index=False)
    (root / "eval").mkdir()
    scores = model.predict_proba(x[:100])[:, 1]
    # CSV: pytester restores sys.modules after each test, and pandas' Parquet engine registers
    # pyarrow extension types once per interpreter (a re-import raises)
    pd.DataFrame({"row_id": range(100), "label": y[:100], "score": scores}).to_csv(
        root / "eval" / "predictions.csv", index=False
    )
    (root / "params.yaml").write_text(PARAMS)
    return sha


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    found = {e.name: e.value for e in entry_points(group="pytest11")}
    assert found.get("modelci") == "modelci.testing"


def test_the_fixtures_load_the_model_data_and_predictions(pytester: pytest.Pytester) -> None:
    sha = make_project(pytester.path)
    pytester.makepyfile(test_model=f"EXPECTED_SHA = {sha!r}\n\n" + MODEL_TESTS)
    # no -p: the entry point alone brings the fixtures in
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)


def test_a_model_changed_since_training_is_refused_and_fails_its_tests(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester.path)
    model_file = pytester.path / "models" / "model.skops"
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    pytester.makepyfile(test_model="def test_uses_model(model):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*modelci: *model.skops: SHA-256 is *, but training recorded *: the file was changed "
            "or replaced since, so it is not loaded Hint: Rebuild the model*",
        ]
    )
    assert "modelci.tests.when: after-pipeline" in result.stdout.str()


def test_test_data_needs_its_key_and_its_file(pytester: pytest.Pytester) -> None:
    make_project(pytester.path)
    pytester.makepyfile(test_data_use="def test_rows(test_data):\n    assert len(test_data)\n")
    (pytester.path / "params.yaml").write_text("modelci:\n  gates: []\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*modelci: the `test_data` fixture needs `modelci.test_data` in params.yaml*"]
    )

    (pytester.path / "params.yaml").write_text(PARAMS)
    (pytester.path / "data" / "test.csv").unlink()
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*modelci: data file not found: *data/test.csv Hint: *dvc pull*"])


def test_a_wrong_configuration_fails_with_its_line(pytester: pytest.Pytester) -> None:
    (pytester.path / "params.yaml").write_text(
        "modelci:\n  predictions:\n    path: 3.5x\n    treshold: 1\n"
    )
    pytester.makepyfile(test_p="def test_p(predictions):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*params.yaml:4 (key `modelci.predictions.treshold`): unknown key*"]
    )


def test_the_params_file_and_project_the_check_names_win(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(pytester.path)
    other = pytester.path / "conf" / "ci.yaml"  # `modelci check --params-file conf/ci.yaml`
    other.parent.mkdir()
    other.write_text(PARAMS.replace("data/test.csv", "data/other.csv"))
    (pytester.path / "data" / "other.csv").write_text("row_id,x0,x1,y\n7,0.1,0.2,1\n")
    monkeypatch.setenv(PARAMS_ENV, str(other))
    monkeypatch.setenv(ROOT_ENV, str(pytester.path))  # paths stay the project's, not conf/'s
    pytester.makepyfile(
        test_p="def test_p(test_data):\n    assert list(test_data['row_id']) == [7]\n"
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_tests_that_use_no_fixture_need_no_configuration(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    assert 1\n")
    pytester.runpytest().assert_outcomes(passed=1)
