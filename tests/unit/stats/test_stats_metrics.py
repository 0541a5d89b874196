"""Metrics from category counts against sklearn.metrics, on full data and on explicit resamples."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

from modelci.stats import METRICS
from modelci.stats._metrics import Counts, Levels, full_counts, values

NAMES = tuple(METRICS)


def sklearn_values(y: np.ndarray, s: np.ndarray, threshold: float) -> dict[str, float]:
    flagged = (s >= threshold).astype(int)
    return {
        "f1": sk.f1_score(y, flagged, zero_division=0),
        "precision": sk.precision_score(y, flagged, zero_division=0),
        "recall": sk.recall_score(y, flagged, zero_division=0),
        "accuracy": sk.accuracy_score(y, flagged),
        "roc_auc": sk.roc_auc_score(y, s),
        "average_precision": sk.average_precision_score(y, s),
    }


def sample(seed: int, n: int, rate: float, decimals: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Labels and scores that separate the classes imperfectly; rounding makes ties."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < rate).astype(np.int8)
    y[:2] = [0, 1]  # both classes present
    s = np.clip(rng.normal(0.25 + 0.4 * y, 0.2), 0, 1)
    return y, (s.round(decimals) if decimals is not None else s)


def ours(y: np.ndarray, s: np.ndarray, threshold: float) -> dict[str, float]:
    return {
        k: float(v[0]) for k, v in values(full_counts(Levels.build(y, s, threshold)), NAMES).items()
    }


@pytest.mark.parametrize(
    ("seed", "n", "rate", "decimals", "threshold"),
    [
        (0, 20000, 0.015, None, 0.5),  # the reference pipeline's shape: continuous scores
        (1, 5000, 0.2, 2, 0.5),  # heavy ties, some exactly at the threshold
        (2, 300, 0.5, 1, 0.3),
        (3, 1000, 0.05, 3, 0.9),
    ],
)
def test_full_data_matches_sklearn(
    seed: int, n: int, rate: float, decimals: int | None, threshold: float
) -> None:
    y, s = sample(seed, n, rate, decimals)
    expected = sklearn_values(y, s, threshold)
    assert ours(y, s, threshold) == pytest.approx(expected, abs=1e-12)


def test_counts_of_an_explicit_resample_match_sklearn_on_its_rows() -> None:
    """The compression to categories loses nothing: counts of drawn rows give sklearn's values."""
    y, s = sample(4, 2000, 0.1, 2)
    levels = Levels.build(y, s, 0.5)
    rng = np.random.default_rng(0)
    for _ in range(5):
        rows = rng.integers(0, len(y), len(y))
        counts = np.bincount(levels.category[rows], minlength=levels.n_categories)
        got = values(Counts(levels, counts[None, :].astype(float)), NAMES)
        expected = sklearn_values(y[rows], s[rows], 0.5)
        assert {k: float(v[0]) for k, v in got.items()} == pytest.approx(expected, abs=1e-12)


def test_categories_compress_negatives_between_positives() -> None:
    y, s = sample(0, 20000, 0.015, None)
    levels = Levels.build(y, s, 0.5)
    used = len(np.unique(levels.category))
    assert used <= 2 * int(y.sum()) + 3  # positives, runs of negatives between them, threshold
    assert used < len(y) / 20


def test_constant_scores_and_one_class() -> None:
    y = np.array([0, 1, 0, 0, 1, 0], dtype=np.int8)
    constant = ours(y, np.full(6, 0.7), 0.5)
    assert (constant["roc_auc"], constant["average_precision"]) == (0.5, pytest.approx(2 / 6))
    assert (constant["precision"], constant["recall"]) == (pytest.approx(2 / 6), 1.0)
    negatives_only = ours(np.zeros(4, dtype=np.int8), np.array([0.1, 0.2, 0.6, 0.9]), 0.5)
    assert np.isnan(negatives_only["roc_auc"])
    assert np.isnan(negatives_only["average_precision"])
    # zero_division=0, as the evaluate stage computes them
    assert (negatives_only["f1"], negatives_only["precision"], negatives_only["recall"]) == (
        0,
        0,
        0,
    )
    assert negatives_only["accuracy"] == 0.5


def test_grouped_levels_give_each_group_sklearn_s_values_on_its_rows() -> None:
    y, s = sample(5, 3000, 0.1, 2)
    groups = np.random.default_rng(5).integers(0, 7, len(y))
    groups[groups == 3] = 4  # group 3 holds no row: its values are undefined, not another's
    levels = Levels.build(y, s, 0.5, groups, 7)
    got = values(full_counts(levels), NAMES)
    assert got["f1"].shape == (1, 7)
    for group in (0, 1, 2, 4, 5, 6):
        rows = groups == group
        expected = sklearn_values(y[rows], s[rows], 0.5)
        assert {k: float(v[0, group]) for k, v in got.items()} == pytest.approx(
            expected, abs=1e-12
        ), group
    assert np.isnan(got["roc_auc"][0, 3])
    assert got["f1"][0, 3] == 0
