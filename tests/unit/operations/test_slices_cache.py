"""Slices are remembered by content: the same predictions and test data reuse them."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import modelci.slices
from modelci.adapters.git import Revision
from modelci.config import Config, ModelciSection
from modelci.operations import slices
from modelci.report.model import Report, Verdict


def _write(root: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    labels = rng.integers(0, 2, n)
    scores = np.clip(labels * 0.6 + rng.normal(0.2, 0.25, n), 0, 1)
    (root / "eval").mkdir(exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    pd.DataFrame({"row_id": np.arange(n), "label": labels, "score": scores}).to_parquet(
        root / "eval" / "p.parquet"
    )
    pd.DataFrame({"row_id": np.arange(n), "shop": rng.choice(["a", "b", "c"], n)}).to_parquet(
        root / "data" / "test.parquet"
    )


def _config(root: Path) -> Config:
    section = ModelciSection.model_validate(
        {
            "predictions": {"path": "eval/p.parquet"},
            "intervals": {"resamples": 200},
            "slices": {
                "data": "data/test.parquet",
                "columns": ["shop"],
                "gates": [{"metric": "recall", "threshold": 0.5}],
            },
        }
    )
    return Config(source=root / "params.yaml", section=section)


def _report() -> Report:
    return Report(title="t", verdict=Verdict.PASS, head=Revision("workspace", None))


def test_the_same_inputs_reuse_the_slices_and_new_data_recomputes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, seed=1)
    config = _config(tmp_path)
    first = slices.slices_for(config, tmp_path, _report())
    assert [s.value for s in first.slices] and first.summary == "3 slice gates held"
    (entry,) = (tmp_path / slices.CACHE).iterdir()

    def recompute(*_: object, **__: object) -> None:
        raise AssertionError("recomputed although nothing changed")

    monkeypatch.setattr(modelci.slices, "evaluate_slices", recompute)
    again = slices.slices_for(config, tmp_path, _report())
    assert json.dumps(again.to_dict()) == json.dumps(first.to_dict())
    assert again == first  # every interval and gate result read back as it was
    _write(tmp_path, seed=2)
    with pytest.raises(AssertionError, match="recomputed although nothing changed"):
        slices.slices_for(config, tmp_path, _report())
    entry.write_text("{not json")
    _write(tmp_path, seed=1)
    monkeypatch.undo()
    assert slices.slices_for(config, tmp_path, _report()) == first  # a broken entry: a miss
