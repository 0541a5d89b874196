"""Intervals are remembered by content: the same predictions reuse them, other ones recompute."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from modelci import stats
from modelci.adapters.git import Revision
from modelci.config import IntervalsConfig, PredictionsConfig
from modelci.metrics import diff_files
from modelci.operations import intervals
from modelci.report.model import Report, Verdict


def _write_predictions(root: Path, seed: int) -> float:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 2000)
    scores = np.clip(labels * 0.6 + rng.normal(0.2, 0.25, 2000), 0, 1)
    (root / "eval").mkdir(exist_ok=True)
    frame = pd.DataFrame({"row_id": np.arange(2000), "label": labels, "score": scores})
    frame.to_parquet(root / "eval" / "p.parquet")
    return float(f1_score(labels, scores >= 0.5))


def _report(f1: float) -> Report:
    report = Report(title="t", verdict=Verdict.PASS, head=Revision("workspace", None))
    report.metrics = diff_files(None, {"m.json": {"f1": round(f1, 4)}})
    return report


def test_the_same_predictions_reuse_the_intervals_and_new_ones_recompute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = IntervalsConfig(resamples=200)
    predictions = PredictionsConfig(path="eval/p.parquet")
    f1 = _write_predictions(tmp_path, seed=1)
    first = intervals.intervals_for(predictions, settings, tmp_path, _report(f1))
    [interval] = first
    assert interval.source == "m.json:f1" and interval.head.low <= f1 <= interval.head.high
    assert len(list((tmp_path / intervals.CACHE).glob("*.json"))) == 1

    def no_bootstrap(*args: object, **kwargs: object) -> None:
        raise AssertionError("recomputed although nothing changed")

    monkeypatch.setattr(stats, "bootstrap", no_bootstrap)
    assert intervals.intervals_for(predictions, settings, tmp_path, _report(f1)) == first

    f1 = _write_predictions(tmp_path, seed=2)  # other predictions: computed afresh
    with pytest.raises(AssertionError, match="recomputed"):
        intervals.intervals_for(predictions, settings, tmp_path, _report(f1))
