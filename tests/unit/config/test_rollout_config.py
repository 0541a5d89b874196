"""`modelci.rollout`: the canary's steps and analysis thresholds, checked on load."""

from pathlib import Path

import pytest

from modelci.config import load_config
from modelci.errors import ConfigError


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "params.yaml"
    path.write_text(text)
    return load_config(path)


def test_defaults_and_overrides(tmp_path: Path) -> None:
    rollout = _load(
        tmp_path,
        "modelci:\n  rollout:\n    steps: [5, 50, 100]\n    analysis:\n"
        "      alpha: 0.01\n      spending: obrien-fleming\n"
        "      latency: {max_ratio: 1.5}\n      errors: {statuses: ['5xx', '429']}\n",
    ).section.rollout
    assert rollout.steps == (5, 50, 100)
    assert rollout.analysis.alpha == 0.01
    assert rollout.analysis.spending == "obrien-fleming"
    assert rollout.analysis.latency.max_ratio == 1.5
    assert rollout.analysis.latency.quantiles == (0.5, 0.95)
    assert rollout.analysis.errors.statuses == ("5xx", "429")
    assert _load(tmp_path, "modelci: {}\n").section.rollout.analysis.min_requests == 100


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("steps: [50, 25, 100]", "modelci.rollout.steps", "steps must rise, got [50, 25, 100]"),
        ("steps: [10, 50]", "modelci.rollout.steps", "the last step must be 100"),
        ("analysis: {alpha: 0}", "modelci.rollout.analysis.alpha", "must be > 0"),
        ("analysis: {spending: haybittle}", "modelci.rollout.analysis.spending", "pocock"),
        ("analysis: {min_requests: 0}", "modelci.rollout.analysis.min_requests", ">= 1"),
        (
            "analysis: {errors: {statuses: [oops]}}",
            "modelci.rollout.analysis.errors.statuses[0]",
            "",
        ),
        (
            "analysis: {latency: {max_ratio: 0.5}}",
            "modelci.rollout.analysis.latency.max_ratio",
            ">= 1",
        ),
        (
            "analysis: {scores: {max_pis: 0.2}}",
            "modelci.rollout.analysis.scores.max_pis",
            "unknown",
        ),
    ],
)
def test_wrong_values_name_their_key(tmp_path: Path, text: str, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, f"modelci:\n  rollout:\n    {text}\n")
    problem = caught.value.problems[0]
    assert problem.key == key
    assert message in problem.message
