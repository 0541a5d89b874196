"""Behaviour checks in `modelci check` on a real git + DVC repository whose stage trains a real
model: with `monotone: false` the model gets a better F1 and stops being monotone in `velocity`,
so the directional check fails while the f1 gate passes.

Measured: F1 0.8828 monotone, 0.8854 without the constraint; raising velocity by 2 then lowers
86 of the 2,000 test scores (by up to 0.018).
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from modelci.cli.main import cli

from .conftest import MiniProject, make_project

TRAIN = """\
import hashlib, json, pathlib
import numpy as np, pandas as pd, yaml
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score

params = yaml.safe_load(open("params.yaml"))["train"]
rng = np.random.default_rng(0)
n = 4000
frame = pd.DataFrame({"row_id": np.arange(n), "velocity": rng.integers(0, 10, n), "amount": rng.lognormal(3, 1, n).round(2)})
frame["label"] = (rng.random(n) < 1 / (1 + np.exp(-2 * (frame["velocity"] - 6)))).astype(int)
train, test = frame.iloc[: n // 2], frame.iloc[n // 2 :]
features = ["velocity", "amount"]
monotone = {"velocity": 1} if params["monotone"] else None
model = HistGradientBoostingClassifier(max_iter=40, random_state=0, monotonic_cst=monotone)
model.fit(train[features], train["label"])
blob = sio.dumps(model)
pathlib.Path("models").mkdir(exist_ok=True)
pathlib.Path("models/model.skops").write_bytes(blob)
record = {"model_file": "model.skops", "format": "skops", "sha256": hashlib.sha256(blob).hexdigest(),
          "trusted_types": sorted(sio.get_untrusted_types(data=blob)), "features": features, "label": "label"}
pathlib.Path("models/model.json").write_text(json.dumps(record))
pathlib.Path("data").mkdir(exist_ok=True)
test.to_parquet("data/test.parquet")
pathlib.Path("eval").mkdir(exist_ok=True)
f1 = f1_score(test["label"], model.predict_proba(test[features])[:, 1] >= 0.5)
json.dump({"f1": round(float(f1), 4)}, open("eval/metrics.json", "w"))
"""

CASES = "velocity,amount,label,case\n9,20.0,1,busy card\n0,35.5,0,quiet card\n"

MODELCI = {
    "gates": [{"metric": "f1", "threshold": 0.85, "max_regression": 0.01}],
    "behaviour": {
        "data": "data/test.parquet",
        "id": "row_id",
        "sample": None,
        "directional": [{"column": "velocity", "add": 2, "direction": "increase"}],
        "cases": [{"path": "data/cases.csv", "id": "case", "name": "obvious cases"}],
    },
}


@pytest.fixture
def trained(tmp_path: Path) -> MiniProject:
    project = make_project(tmp_path / "repo")
    project.write("train.py", TRAIN)
    project.write("data/cases.csv", CASES)
    project.write(
        "dvc.yaml",
        textwrap.dedent(
            """\
            stages:
              train:
                cmd: python train.py
                deps: [train.py]
                params: [train]
                outs:
                  - models/model.skops
                  - data/test.parquet
                  - models/model.json:
                      cache: false
                metrics:
                  - eval/metrics.json:
                      cache: false
            """
        ),
    )
    params = {"train": {"monotone": True}, "modelci": MODELCI}
    project.write("params.yaml", yaml.safe_dump(params, sort_keys=False))
    project.run(sys.executable, "-m", "dvc", "repro", "-q")
    project.commit("base: a model monotone in velocity")
    return project


def check(project: MiniProject, *args: str) -> Result:
    return CliRunner().invoke(cli, ["check", "-C", str(project.root), "--base", "HEAD", *args])


def set_monotone(project: MiniProject, monotone: bool) -> None:
    params = project.params()
    params["train"]["monotone"] = monotone  # type: ignore[index]
    project.write("params.yaml", yaml.safe_dump(params, sort_keys=False))


def test_a_monotone_model_passes_its_behaviour_checks(trained: MiniProject) -> None:
    result = check(trained)
    assert result.exit_code == 0, result.output
    report = trained.report()
    assert report["summary"] == "Pass: 1 gate, 2 behaviour checks held"
    behaviour = report["behaviour"]
    assert behaviour["model"] == "models/model.skops"  # type: ignore[index]
    assert [(c["name"], c["rows"], c["failures"]) for c in behaviour["checks"]] == [  # type: ignore[index]
        ("velocity + 2", 2000, 0),
        ("obvious cases", 2, 0),
    ]


def test_a_model_no_longer_monotone_fails_the_directional_check_while_the_gate_passes(
    trained: MiniProject,
) -> None:
    set_monotone(trained, False)
    result = check(trained)
    assert result.exit_code == 1, result.output
    report = trained.report()
    (gate,) = report["gates"]  # type: ignore[misc]
    assert (gate["base"], gate["head"], gate["passed"]) == (0.8828, 0.8854, True)
    directional, cases = report["behaviour"]["checks"]  # type: ignore[index]
    assert (directional["passed"], directional["rows"], directional["failures"]) == (
        False,
        2000,
        86,
    )
    assert cases["passed"] is True
    worst = directional["examples"]
    assert len(worst) == 5
    assert all(e["score_after"] < e["score_before"] for e in worst)
    drops = [e["score_before"] - e["score_after"] for e in worst]
    assert drops == sorted(drops, reverse=True)
    assert directional["worst"] == pytest.approx(drops[0])
    assert report["summary"] == (
        "Fail: 1 of 2 behaviour checks failed: velocity + 2: 86 of 2,000 scores moved the wrong "
        f"way (by up to {drops[0]:.3g}); 1 gate held"
    )
    markdown = (trained.root / "report.md").read_text()
    assert "**<code>velocity + 2</code>**: 86 failing rows; the 5 worst shown" in markdown
    first = worst[0]
    change = first["change"].replace("→", "&#8594;")
    assert (
        f"| {first['row']} | {change} | {first['score_before']:.4f} | {first['score_after']:.4f} |"
        in markdown
    )


def test_inside_github_actions_a_failed_behaviour_check_is_annotated(
    trained: MiniProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "outputs.txt"))
    set_monotone(trained, False)
    result = check(trained, "--format", "none")
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    assert errors[0].startswith(
        "::error file=params.yaml,title=Behaviour check failed%3A velocity + 2::"
        "velocity + 2: 86 of 2,000 scores moved the wrong way (by up to "
    )


def test_without_the_model_packages_the_check_stops_before_the_pipeline(
    trained: MiniProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_monotone(trained, False)  # the train stage would run again
    model = (trained.root / "models/model.json").read_text()
    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if scikit-learn were not installed
    result = check(trained)
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith(
        "Error: key `modelci.behaviour`: behaviour checks load the trained model, which needs "
        "scikit-learn, not installed here\n"
    )
    assert "pip install 'modelci[model]'" in result.stderr
    assert (trained.root / "models/model.json").read_text() == model  # nothing was trained
    assert not (trained.root / "report.json").exists()


def test_a_model_file_replaced_after_training_is_refused_with_exit_7(trained: MiniProject) -> None:
    model = trained.root / "models/model.skops"
    model.write_bytes(model.read_bytes() + b"\0")
    result = check(trained, "--no-repro")
    assert result.exit_code == 7, result.output
    assert "but training recorded" in result.stderr
    assert "the file was changed or replaced since, so it is not loaded" in result.stderr


def test_an_unchanged_model_reuses_its_result_and_a_replaced_one_is_still_refused(
    trained: MiniProject,
) -> None:
    from modelci.operations.behaviour import CACHE

    assert check(trained).exit_code == 0
    [entry] = (trained.root / CACHE).glob("*.json")
    remembered = json.loads(entry.read_text())
    remembered["checks"][0]["rows"] = 1234  # visible if, and only if, the entry is reused
    entry.write_text(json.dumps(remembered))
    assert check(trained, "--no-repro").exit_code == 0
    assert trained.report()["behaviour"]["checks"][0]["rows"] == 1234  # type: ignore[index]
    # The model file is part of the key: changed behind its metadata, it is loaded (and refused)
    # instead of answered from the remembered result.
    model = trained.root / "models/model.skops"
    model.write_bytes(model.read_bytes() + b"\0")
    result = check(trained, "--no-repro")
    assert result.exit_code == 7, result.output
    assert "the file was changed or replaced since, so it is not loaded" in result.stderr
