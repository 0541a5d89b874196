"""The configuration model: every problem at once, finite numbers only, the new keys, its schema."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from modelci.config import load_config
from modelci.config.schema import params_json_schema, render_schema
from modelci.errors import ConfigError, ExitCode

ROOT = Path(__file__).resolve().parents[3]


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "params.yaml"
    path.write_text(text)
    return load_config(path)


def _error(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    assert caught.value.exit_code == ExitCode.CONFIG
    return caught.value


def test_every_problem_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    text = (
        "modelci:\n"  # 1
        "  gates:\n"  # 2
        "    - metric: f1\n"  # 3
        "      threshold: high\n"  # 4
        "    - metric: auc\n"  # 5
        "      direction: up\n"  # 6
        "      threshold: 0.9\n"  # 7
        "  report:\n"  # 8
        "    titel: x\n"  # 9
        "  data:\n"  # 10
        "    - path: a.csv\n"  # 11
    )
    error = _error(tmp_path, text)
    found = {(p.key, p.line, p.message) for p in error.problems}
    assert found == {
        ("modelci.gates[0].threshold", 4, "expected a number, got a string"),
        ("modelci.gates[1].direction", 6, "expected `higher` or `lower`, got 'up'"),
        ("modelci.report.titel", 9, "unknown key"),
        ("modelci.data[0]", 11, "missing required key `schema`"),
    }
    assert error.message.startswith("4 problems in the configuration:\n  - ")
    assert "allowed keys here: max_samples, plots, title" in error.message
    path = str(tmp_path / "params.yaml")
    assert [loc[:2] for loc in error.locations()] == [(path, p.line) for p in error.problems]


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_non_finite_thresholds_and_tolerances_are_refused(tmp_path: Path, value: str) -> None:
    error = _error(tmp_path, f"modelci:\n  gates:\n    - metric: f1\n      threshold: {value}\n")
    assert error.key == "modelci.gates[0].threshold"
    assert error.line == 4
    assert "finite number" in error.message
    error = _error(
        tmp_path, f"modelci:\n  gates:\n    - metric: f1\n      max_regression: {value}\n"
    )
    assert error.key == "modelci.gates[0].max_regression"
    assert "finite number" in error.message


def test_predictions_intervals_and_significant_regression(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        "modelci:\n  predictions: {path: eval/p.parquet, threshold: 0.3}\n"
        "  intervals: {resamples: 500}\n"
        "  gates:\n    - {metric: f1, max_regression: 0.02, regression: significant}\n",
    )
    assert config.predictions is not None
    assert (config.predictions.path, config.predictions.id, config.predictions.label) == (
        "eval/p.parquet",
        "row_id",
        "label",
    )
    assert (config.predictions.score, config.predictions.threshold) == ("score", 0.3)
    assert (config.intervals.confidence, config.intervals.resamples) == (0.95, 500)
    assert config.gates[0].regression == "significant"
    assert config.gates[0].line == 5
    assert _load(tmp_path, "modelci: {}\n").predictions is None


def test_bad_new_keys(tmp_path: Path) -> None:
    error = _error(
        tmp_path, "modelci:\n  gates:\n    - {metric: f1, threshold: 1, regression: significant}\n"
    )
    assert "`regression: significant` needs a `max_regression`" in error.message
    error = _error(tmp_path, "modelci:\n  intervals: {confidence: 1.5, resamples: 10}\n")
    assert {p.key for p in error.problems} == {
        "modelci.intervals.confidence",
        "modelci.intervals.resamples",
    }
    assert "must be < 1.0, got 1.5" in error.message
    error = _error(tmp_path, "modelci:\n  predictions: {id: row}\n")
    assert error.problems[0].message == "missing required key `path`"


def test_line_is_not_a_key_users_can_set(tmp_path: Path) -> None:
    error = _error(tmp_path, "modelci:\n  gates:\n    - {metric: f1, threshold: 1, line: 3}\n")
    assert "unknown key `line`" in error.message


def test_the_published_schema_is_in_step_with_the_models() -> None:
    published = (ROOT / "docs" / "config.schema.json").read_text()
    assert published == render_schema(), "run: python -m modelci.config > docs/config.schema.json"


def test_the_schema_accepts_our_params_and_rejects_what_the_loader_rejects() -> None:
    schema = params_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load((ROOT / "params.yaml").read_text()), schema)
    validator = jsonschema.Draft202012Validator(schema)
    for bad in (
        {"modelci": {"gates": [{"metric": "f1", "treshold": 1}]}},
        {"modelci": {"gates": [{"metric": "f1"}]}},
        {"modelci": {"gates": [{"metric": "f1", "max_regression": "5 percent"}]}},
        {"modelci": {"data": [{"path": "a.csv"}]}},
        {"train": {}},
    ):
        assert list(validator.iter_errors(bad)), json.dumps(bad)
    assert not list(validator.iter_errors({"train": {"x": 1}, "modelci": {}}))
