from pathlib import Path

import pytest

from modelci.config import IntervalsConfig, PredictionsConfig, Tolerance, load_config
from modelci.errors import ConfigError, ExitCode

GOOD = """\
train:
  depth: 3
modelci:
  data:
    - name: tx
      path: data/tx.csv
      schema: schemas/tx.yaml
  gates:
    - metric: f1
      threshold: 0.9
      max_regression: 0.02
    - metric: latency_ms
      direction: lower
      max_regression: "5%"
  report:
    title: My report
    plots:
      - path: eval/pr.json
        x: recall
        y: precision
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(text)
    return path


def test_loads_every_section(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert [(d.name, d.path, d.schema) for d in config.data] == [
        ("tx", "data/tx.csv", "schemas/tx.yaml")
    ]
    f1, latency = config.gates
    assert (f1.metric, f1.threshold, f1.direction, f1.max_regression) == (
        "f1",
        0.9,
        "higher",
        Tolerance(0.02),
    )
    assert f1.line == 9  # the `- metric: f1` line, for annotations
    assert latency.direction == "lower"
    assert latency.max_regression == Tolerance(5.0, relative=True)
    assert config.report.title == "My report"
    assert config.report.plots[0].kind == "line"


def test_unknown_key_names_file_key_line_and_allowed_keys(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("threshold: 0.9", "treshold: 0.9"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert error.exit_code == ExitCode.CONFIG
    assert error.message == f"{path}:10 (key `modelci.gates[0].treshold`): unknown key"
    assert (
        error.hint == "allowed keys here: direction, max_regression, metric, regression, threshold"
    )


def test_wrong_type_is_reported_with_key(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"gates\[0\]\.threshold`\): expected a number, got a string"
    ):
        load_config(write(tmp_path, GOOD.replace("threshold: 0.9", "threshold: high")))


def test_bad_direction_and_tolerance(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected `higher` or `lower`, got 'up'"):
        load_config(write(tmp_path, GOOD.replace("direction: lower", "direction: up")))
    with pytest.raises(ConfigError, match=r"percentage like \"2%\", got '5 percent'"):
        load_config(write(tmp_path, GOOD.replace('"5%"', '"5 percent"')))
    with pytest.raises(ConfigError, match="must not be negative"):
        load_config(write(tmp_path, GOOD.replace("max_regression: 0.02", "max_regression: -1")))


def test_gate_without_rule_and_duplicate_gate(tmp_path: Path) -> None:
    text = "modelci:\n  gates:\n    - metric: f1\n"
    with pytest.raises(ConfigError, match="has neither `threshold` nor `max_regression`"):
        load_config(write(tmp_path, text))
    text = (
        "modelci:\n  gates:\n    - {metric: f1, threshold: 1}\n    - {metric: f1, threshold: 2}\n"
    )
    with pytest.raises(ConfigError, match="metric `f1` has two gates"):
        load_config(write(tmp_path, text))


def test_missing_section_file_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no `modelci:` section"):
        load_config(write(tmp_path, "train: {}\n"))
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(
        ConfigError, match=r"params.yaml:3: not valid YAML: expected the node content"
    ):
        load_config(write(tmp_path, "modelci:\n  gates: [\n"))


def test_missing_required_dataset_key(tmp_path: Path) -> None:
    text = "modelci:\n  data:\n    - path: a.csv\n"
    with pytest.raises(
        ConfigError, match=r"key `modelci.data\[0\]`\): missing required key `schema`"
    ):
        load_config(write(tmp_path, text))


def test_relative_tolerance_is_a_share_of_the_base() -> None:
    assert Tolerance(5, relative=True).allowed(0.8) == pytest.approx(0.04)
    assert Tolerance(0.01).allowed(123.0) == 0.01
    assert str(Tolerance(5, relative=True)) == "5%"


PREDICTIONS = """\
modelci:
  predictions:
    path: eval/predictions.parquet
    id: transaction_id
    threshold: 0.7
  intervals:
    confidence: 0.9
    resamples: 500
    seed: 3
  gates:
    - metric: f1
      max_regression: 0.02
      regression: significant
"""


def test_predictions_intervals_and_significant_regression(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, PREDICTIONS))
    assert config.predictions == PredictionsConfig(
        path="eval/predictions.parquet",
        id="transaction_id",
        label="label",
        score="score",
        threshold=0.7,
    )
    assert config.intervals == IntervalsConfig(confidence=0.9, resamples=500, seed=3)
    assert config.gates[0].regression == "significant"
    defaults = load_config(write(tmp_path, GOOD))
    assert (defaults.predictions, defaults.intervals) == (
        None,
        IntervalsConfig(confidence=0.95, resamples=2000, seed=0),
    )
    assert defaults.gates[0].regression == "point"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "regression: significant",
            "regression: maybe",
            "expected `point` or `significant`, got 'maybe'",
        ),
        (
            "confidence: 0.9",
            "confidence: 95",
            "`modelci.intervals.confidence`): must be < 1.0, got 95",
        ),
        (
            "resamples: 500",
            "resamples: 10",
            "`modelci.intervals.resamples`): must be >= 100, got 10",
        ),
        (
            "threshold: 0.7",
            "threshold: 7",
            "`modelci.predictions.threshold`): must be < 1.0, got 7",
        ),
        ("    path: eval/predictions.parquet\n", "", "missing required key `path`"),
        (
            "    id: transaction_id",
            "    idd: transaction_id",
            "`modelci.predictions.idd`): unknown key",
        ),
    ],
)
def test_bad_prediction_and_interval_settings(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in PREDICTIONS
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, PREDICTIONS.replace(old, new)))
    assert message in caught.value.message


def test_significant_regression_needs_predictions(tmp_path: Path) -> None:
    text = PREDICTIONS.split("  predictions:")[0] + "  gates:" + PREDICTIONS.split("  gates:")[1]
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.message.endswith(
        "(key `modelci.gates[0].regression`): `regression: significant` needs per-row "
        "predictions to compute intervals"
    )
    assert caught.value.hint is not None and "modelci.predictions" in caught.value.hint
