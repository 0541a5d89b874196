"""modelci.behaviour against a real scikit-learn model saved with skops: the score rises with `v`
and falls with `w` by construction, and barely depends on `noise`; expected results are computed
here from the model itself, row by row."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from modelci.behaviour import run_behaviour
from modelci.config.behaviour import BehaviourConfig
from modelci.errors import ConfigError, DataError, ExitCode, ModelFileError

FEATURES = ["v", "w", "noise", "flag"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame(
        {
            "row_id": np.arange(1000, 1000 + n),
            "v": rng.normal(size=n),
            "w": rng.normal(size=n),
            "noise": rng.normal(size=n),
            "flag": rng.integers(0, 2, n),
        }
    )
    logit = 2 * frame["v"] - 2 * frame["w"] + frame["flag"]
    frame["y"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    model = LogisticRegression().fit(frame[FEATURES], frame["y"])
    blob = sio.dumps(model)
    (root / "models").mkdir()
    (root / "models/model.skops").write_bytes(blob)
    record = {
        "model_file": "model.skops",
        "format": "skops",
        "sha256": hashlib.sha256(blob).hexdigest(),
        "trusted_types": sorted(sio.get_untrusted_types(data=blob)),
        "features": FEATURES,
        "label": "y",
    }
    (root / "models/model.json").write_text(json.dumps(record))
    (root / "data").mkdir()
    frame.to_parquet(root / "data/test.parquet")
    return root


def model_of(root: Path) -> Any:
    record = json.loads((root / "models/model.json").read_text())
    blob = (root / "models/model.skops").read_bytes()
    return sio.loads(blob, trusted=record["trusted_types"])


def scores(root: Path, frame: pd.DataFrame) -> np.ndarray:
    return model_of(root).predict_proba(frame[FEATURES])[:, 1]  # type: ignore[no-any-return]


def config(**values: Any) -> BehaviourConfig:
    values.setdefault("data", "data/test.parquet")
    values.setdefault("id", "row_id")
    return BehaviourConfig.model_validate(values)


def test_directional_checks_hold_where_the_model_is_monotone_and_list_the_worst_rows_where_not(
    workspace: Path,
) -> None:
    frame = pd.read_parquet(workspace / "data/test.parquet")
    result = run_behaviour(
        config(
            sample=None,
            max_examples=3,
            directional=[
                {"column": "v", "add": 1, "direction": "increase"},
                {"column": "w", "add": 1, "direction": "increase", "name": "more w"},
                {"column": "w", "add": 1, "direction": "decrease"},
            ],
        ),
        workspace,
    )
    up_v, up_w, down_w = result.checks
    assert (up_v.passed, up_v.rows, up_v.failures, up_v.worst) == (True, 400, 0, 0.0)
    assert (down_w.passed, down_w.failures) == (True, 0)

    # Raising w lowers every score: each row fails; the worst are the largest drops.
    raised = frame.assign(w=frame["w"] + 1)
    drop = scores(workspace, frame) - scores(workspace, raised)
    worst = np.argsort(-drop)[:3]
    assert (up_w.name, up_w.passed, up_w.rows, up_w.failures) == ("more w", False, 400, 400)
    assert up_w.worst == pytest.approx(drop.max())
    assert [e.row for e in up_w.examples] == frame["row_id"].to_numpy()[worst].tolist()
    first = up_w.examples[0]
    assert first.change == f"w {frame['w'].iloc[worst[0]]:.6g} → {raised['w'].iloc[worst[0]]:.6g}"
    assert first.before == pytest.approx(scores(workspace, frame)[worst[0]])
    assert first.after == pytest.approx(scores(workspace, raised)[worst[0]])
    assert (
        up_w.reason == f"more w: 400 of 400 scores moved the wrong way (by up to {drop.max():.3g})"
    )
    assert [check.name for check in result.failed] == ["more w"]
    assert result.summary.startswith("1 of 3 behaviour checks failed: more w: 400 of 400")


def test_a_tolerance_lets_small_wrong_way_moves_pass(workspace: Path) -> None:
    frame = pd.read_parquet(workspace / "data/test.parquet")
    drop = scores(workspace, frame) - scores(workspace, frame.assign(w=frame["w"] + 0.05))
    tolerance = float(np.quantile(drop, 0.9))
    result = run_behaviour(
        config(
            sample=None,
            directional=[
                {"column": "w", "add": 0.05, "direction": "increase", "tolerance": tolerance}
            ],
        ),
        workspace,
    )
    (check,) = result.checks
    assert check.failures == int((drop > tolerance).sum()) == 40
    assert check.rule == f"no score may fall by more than {tolerance:g}"


def test_invariance_reports_the_largest_move_and_fails_beyond_epsilon(workspace: Path) -> None:
    frame = pd.read_parquet(workspace / "data/test.parquet")
    moved = np.abs(
        scores(workspace, frame.assign(noise=frame["noise"] + 0.01)) - scores(workspace, frame)
    )
    loose = float(moved.max()) * 1.01
    tight = float(np.median(moved))
    result = run_behaviour(
        config(
            sample=None,
            invariance=[
                {"column": "noise", "add": 0.01, "epsilon": loose},
                {"column": "noise", "add": 0.01, "epsilon": tight, "name": "tight"},
            ],
        ),
        workspace,
    )
    held, broken = result.checks
    assert (held.passed, held.rule) == (True, f"|Δ score| ≤ {loose:g}")
    assert held.worst == pytest.approx(moved.max())
    assert (broken.passed, broken.failures) == (False, int((moved > tight).sum()))
    assert len(broken.examples) == 5  # max_examples' default
    assert [e.row for e in broken.examples] == (
        frame["row_id"].to_numpy()[np.argsort(-moved, kind="stable")[:5]].tolist()
    )


def test_the_sample_is_drawn_by_its_seed_from_the_rows_the_change_changes(
    workspace: Path,
) -> None:
    frame = pd.read_parquet(workspace / "data/test.parquet")
    checks = [{"column": "flag", "set": 1, "direction": "decrease", "name": "flag on"}]
    everything = run_behaviour(config(sample=None, directional=checks), workspace)
    # Rows whose flag is 1 already are not changed by `flag = 1`: only the others are tested.
    assert everything.checks[0].rows == int((frame["flag"] == 0).sum())
    assert everything.checks[0].failures == everything.checks[0].rows  # flag raises the score

    def examples(seed: int) -> list[Any]:
        result = run_behaviour(
            config(sample=50, seed=seed, max_examples=50, directional=checks), workspace
        )
        assert result.checks[0].rows == 50
        return sorted(e.row for e in result.checks[0].examples)

    assert examples(1) == examples(1)
    assert examples(1) != examples(2)
    unchanged = set(frame.loc[frame["flag"] == 1, "row_id"])
    assert not unchanged & set(examples(1))


def test_a_change_that_changes_no_row_fails_instead_of_passing_silently(workspace: Path) -> None:
    result = run_behaviour(config(invariance=[{"column": "v", "add": 0, "epsilon": 0}]), workspace)
    (check,) = result.checks
    assert (check.passed, check.rows, check.failures, check.worst) == (False, 0, 0, None)
    assert check.note == "`v + 0` changes none of the 400 rows: nothing was tested"
    assert check.reason == "v + 0: `v + 0` changes none of the 400 rows: nothing was tested"


def test_cases_must_each_be_classified_as_labelled(workspace: Path) -> None:
    cases = pd.DataFrame(
        {
            "case": ["clear fraud", "clear legit", "mislabelled"],
            "v": [3.0, -3.0, 3.0],
            "w": [-3.0, 3.0, -3.0],
            "noise": [0.0, 0.0, 0.0],
            "flag": [1, 0, 1],
            "y": [1, 0, 0],
        }
    )
    cases.to_csv(workspace / "data/cases.csv", index=False)
    result = run_behaviour(
        config(cases=[{"path": "data/cases.csv", "id": "case"}], threshold=0.5), workspace
    )
    (check,) = result.checks
    assert (check.name, check.rows, check.failures, check.passed) == ("data/cases.csv", 3, 1, False)
    (example,) = check.examples
    assert (example.row, example.change, example.before, example.expected) == (
        "mislabelled",
        "expected 0, classified 1",
        None,
        0,
    )
    assert example.after == pytest.approx(scores(workspace, cases)[2])
    assert check.reason == "data/cases.csv: 1 of 3 cases misclassified"
    # Without an id column named, a case is shown by its position in the file.
    positional = run_behaviour(config(cases=[{"path": "data/cases.csv"}]), workspace)
    assert positional.checks[0].examples[0].row == 2


def test_a_check_on_a_column_the_model_does_not_read_is_a_config_error(workspace: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        run_behaviour(
            config(
                invariance=[{"column": "amount", "add": 1, "epsilon": 0}],
                directional=[{"column": "speed", "add": 1, "direction": "increase"}],
            ),
            workspace,
        )
    assert caught.value.exit_code == ExitCode.CONFIG
    assert [(p.key, p.message) for p in caught.value.problems] == [
        (
            "modelci.behaviour.invariance[0].column",
            "`amount` is not one of the model's features (v, w, noise, flag)",
        ),
        (
            "modelci.behaviour.directional[0].column",
            "`speed` is not one of the model's features (v, w, noise, flag)",
        ),
    ]


def test_missing_model_packages_are_a_config_error_with_the_extra_to_install(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "skops", None)  # as if skops were not installed
    with pytest.raises(ConfigError) as caught:
        run_behaviour(config(invariance=[{"column": "v", "add": 1, "epsilon": 0}]), workspace)
    assert caught.value.exit_code == ExitCode.CONFIG
    assert caught.value.message == (
        "key `modelci.behaviour`: behaviour checks load the trained model, which needs skops, "
        "not installed here"
    )
    assert caught.value.hint == (
        "Install modelci with the model extra: pip install 'modelci[model]' "
        "(or remove `modelci.behaviour`)."
    )


def test_a_model_changed_since_training_is_refused(workspace: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(workspace, root)
    blob = bytearray((root / "models/model.skops").read_bytes())
    blob[-1] ^= 1
    (root / "models/model.skops").write_bytes(bytes(blob))
    with pytest.raises(ModelFileError) as caught:
        run_behaviour(config(invariance=[{"column": "v", "add": 1, "epsilon": 0}]), root)
    assert caught.value.exit_code == ExitCode.MODEL_REFUSED
    assert "but training recorded" in caught.value.message


def test_data_problems_name_the_file(workspace: Path) -> None:
    with pytest.raises(DataError) as caught:
        run_behaviour(
            config(id="transaction_id", invariance=[{"column": "v", "add": 1, "epsilon": 0}]),
            workspace,
        )
    assert caught.value.message == "data/test.parquet has no row id column `transaction_id`"
    (workspace / "data/bad_cases.csv").write_text("v,w,noise,flag,y\n1,1,1,1,2\n")
    with pytest.raises(DataError) as caught:
        run_behaviour(config(cases=[{"path": "data/bad_cases.csv"}]), workspace)
    assert caught.value.message == "data/bad_cases.csv: column `y` must hold 0 or 1, found 2"
    with pytest.raises(DataError) as caught:
        run_behaviour(config(cases=[{"path": "data/missing.csv"}]), workspace)
    assert caught.value.exit_code == ExitCode.VALIDATION_FAILED
    assert "data file not found" in caught.value.message
