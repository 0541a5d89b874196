"""`regression: significant` on a real git + DVC repository whose stage writes per-row predictions.

The stage scores a 2,000-row test set drawn from a fixed population of 20,000 rows: `split_seed`
picks other rows (noise: the model is the same), `quality` changes the model (scored on the same
rows when the seed stays). Each row has its own difficulty, so the same row scores alike.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from modelci.cli.main import cli
from modelci.operations.check import CheckOptions, run_check

from .conftest import MiniProject, make_project

SCORE = """\
import json, pathlib
import numpy as np, pandas as pd, yaml
from sklearn.metrics import f1_score, roc_auc_score

params = yaml.safe_load(open("params.yaml"))["score"]
population = np.random.default_rng(0)
n = 20000
labels = (population.random(n) < 0.1).astype(int)
difficulty = population.normal(0, 1, n)
rows = np.sort(np.random.default_rng(params["split_seed"]).choice(n, 2000, replace=False))
y = labels[rows]
score = 1 / (1 + np.exp(-(params["quality"] * (2 * y - 1) + difficulty[rows] - 1.2)))
out = pathlib.Path("eval")
out.mkdir(exist_ok=True)
metrics = {"f1": f1_score(y, score >= 0.5), "roc_auc": roc_auc_score(y, score)}
json.dump({k: round(float(v), 4) for k, v in metrics.items()}, open(out / "metrics.json", "w"))
frame = pd.DataFrame({"row_id": rows, "label": y, "score": score})
frame.to_csv(out / "predictions.csv", index=False)
"""

MODELCI = {
    "predictions": {"path": "eval/predictions.csv"},
    "intervals": {"resamples": 1000, "seed": 0},
    "gates": [{"metric": "f1", "max_regression": 0.02, "regression": "significant"}],
}


@pytest.fixture
def scored(tmp_path: Path) -> MiniProject:
    project = make_project(tmp_path / "repo")
    project.write("score.py", SCORE)
    project.write(
        "dvc.yaml",
        textwrap.dedent(
            """\
            stages:
              score:
                cmd: python score.py
                deps: [score.py]
                params: [score]
                outs:
                  - eval/predictions.csv:
                      cache: false
                metrics:
                  - eval/metrics.json:
                      cache: false
            """
        ),
    )
    params = {"score": {"split_seed": 0, "quality": 2.0}, "modelci": MODELCI}
    project.write("params.yaml", yaml.safe_dump(params, sort_keys=False))
    project.run(sys.executable, "-m", "dvc", "repro", "-q")
    project.commit("base: scored")
    return project


def set_score(project: MiniProject, **values: object) -> None:
    params = project.params()
    params["score"].update(values)  # type: ignore[attr-defined]
    project.write("params.yaml", yaml.safe_dump(params, sort_keys=False))


def f1_gate(project: MiniProject) -> dict[str, object]:
    (gate,) = project.report()["gates"]  # type: ignore[misc]
    return gate  # type: ignore[no-any-return]


def test_a_split_change_beyond_the_tolerance_is_noise(scored: MiniProject) -> None:
    set_score(scored, split_seed=3)  # other rows; F1 0.8618 -> 0.8407 by chance
    result = CliRunner().invoke(cli, ["check", "-C", str(scored.root), "--base", "HEAD"])
    assert result.exit_code == 0, result.output
    gate = f1_gate(scored)
    assert (gate["base"], gate["head"], gate["passed"]) == (0.8618, 0.8407, True)
    (note,) = gate["notes"]  # type: ignore[misc]
    assert note.startswith(
        "f1 worsened by 0.0211 (0.8618 to 0.8407), beyond the allowed 0.02, but its 95% interval ("
    )
    assert note.endswith(") includes 0: within noise")
    assert (
        "intervals of the change are unpaired: the base's predictions cover other rows"
        in (
            scored.report()["warnings"][0]  # type: ignore[index]
        )
    )

    _, report = run_check(CheckOptions(root=scored.root, base="HEAD", repro=False))
    (interval,) = [i for i in report.intervals if i.metric == "f1"]
    assert (interval.source, interval.paired, interval.resamples) == (
        "eval/metrics.json:f1",
        False,
        1000,
    )
    assert interval.delta is not None
    assert interval.delta.low < -0.0211 < 0 < interval.delta.high
    assert {i.metric for i in report.intervals} == {"f1", "roc_auc"}


def test_a_weaker_model_on_the_same_rows_is_a_significant_drop(scored: MiniProject) -> None:
    set_score(scored, quality=1.8)  # the same rows, a worse model: F1 0.8618 -> 0.8156
    result = CliRunner().invoke(cli, ["check", "-C", str(scored.root), "--base", "HEAD"])
    assert result.exit_code == 1, result.output
    gate = f1_gate(scored)
    (reason,) = gate["reasons"]  # type: ignore[misc]
    assert reason.startswith(
        "f1 regressed from 0.8618 to 0.8156 (-0.0462); allowed: 0.02; its 95% interval ("
    )
    assert reason.endswith(") excludes 0: not noise")

    _, report = run_check(CheckOptions(root=scored.root, base="HEAD", repro=False))
    (interval,) = [i for i in report.intervals if i.metric == "f1"]
    assert interval.paired is True
    assert interval.delta is not None and interval.delta.high < 0
    assert report.warnings == []


def test_base_without_predictions_falls_back_to_point(scored: MiniProject) -> None:
    scored.git("rm", "-q", "eval/predictions.csv")
    scored.git("commit", "-q", "-m", "base without predictions")
    set_score(scored, split_seed=3)
    result = CliRunner().invoke(cli, ["check", "-C", str(scored.root), "--base", "HEAD"])
    assert result.exit_code == 1, result.output
    gate = f1_gate(scored)
    assert gate["reasons"] == ["f1 regressed from 0.8618 to 0.8407 (-0.0211); allowed: 0.02"]
    assert gate["notes"] == [
        "regression: significant, but no interval for the change (see the report's warnings): "
        "judged on the point values"
    ]
    assert scored.report()["warnings"] == [
        "predictions eval/predictions.csv could not be read on the base (file not found): "
        "intervals cover the head only, and significant gates judge the point change"
    ]


def set_modelci(project: MiniProject, **section: object) -> None:
    params = project.params()
    params["modelci"].update(section)  # type: ignore[attr-defined]
    project.write("params.yaml", yaml.safe_dump(params, sort_keys=False))


def test_predictions_missing_on_the_head_exit_4(scored: MiniProject) -> None:
    set_modelci(scored, predictions={"path": "eval/preds.csv"})
    result = CliRunner().invoke(cli, ["check", "-C", str(scored.root), "--base", "HEAD"])
    assert result.exit_code == 4, result.output
    assert "Error: eval/preds.csv: predictions file not found on the head" in result.stderr
    assert "does the evaluate stage write it?" in result.stderr


def test_a_threshold_other_than_the_stage_s_is_warned_about(scored: MiniProject) -> None:
    set_modelci(scored, predictions={"path": "eval/predictions.csv", "threshold": 0.7})
    _, report = run_check(CheckOptions(root=scored.root, base="HEAD"))
    assert len(report.warnings) == 2
    assert report.warnings[0] == (
        "eval/metrics.json:f1 is 0.8618 on the head, but 0.6603 recomputed from "
        "eval/predictions.csv: is `modelci.predictions.threshold` the one the evaluate stage uses?"
    )
    assert report.warnings[1].startswith("eval/metrics.json:f1 is 0.8618 on the base, but ")
