"""Bootstrap intervals: coverage of the point value, paired vs unpaired, seeds, edge cases."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sklearn import metrics as sk

from modelci.stats import METRICS, Predictions, bootstrap, pairing
from modelci.stats._bootstrap import _Sampler

NAMES = tuple(METRICS)


def predictions(seed: int = 0, n: int = 4000, rate: float = 0.05) -> Predictions:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < rate).astype(np.int8)
    s = np.clip(rng.normal(0.2 + 0.5 * y, 0.2), 0, 1)
    return Predictions(ids=np.arange(n) + 1, labels=y, scores=s)


def rescored(p: Predictions, noise: float, seed: int = 1) -> Predictions:
    """The same rows scored by a slightly different model: correlated with `p`."""
    rng = np.random.default_rng(seed)
    return replace(p, scores=np.clip(p.scores + rng.normal(0, noise, len(p)), 0, 1))


def width(interval: object) -> float:
    return interval.high - interval.low  # type: ignore[attr-defined,no-any-return]


def test_head_only_intervals_cover_the_point_values_which_match_sklearn() -> None:
    head = predictions()
    estimates = bootstrap(head, None, NAMES, threshold=0.5, resamples=500)
    assert estimates.paired is None
    by_name = {e.metric: e for e in estimates.metrics}
    assert by_name["f1"].head_value == pytest.approx(
        sk.f1_score(head.labels, head.scores >= 0.5), abs=1e-12
    )
    assert by_name["roc_auc"].head_value == pytest.approx(
        sk.roc_auc_score(head.labels, head.scores), abs=1e-12
    )
    for estimate in estimates.metrics:
        assert estimate.head is not None
        assert estimate.head.low < estimate.head_value < estimate.head.high, estimate
        assert estimate.head.confidence == 0.95
        assert (estimate.base, estimate.delta, estimate.paired) == (None, None, None)


def test_higher_confidence_gives_a_wider_interval() -> None:
    head = predictions()
    narrow = bootstrap(head, None, ("f1",), threshold=0.5, confidence=0.8, resamples=1000)
    wide = bootstrap(head, None, ("f1",), threshold=0.5, confidence=0.99, resamples=1000)
    assert width(wide.metrics[0].head) > 1.5 * width(narrow.metrics[0].head)
    assert wide.metrics[0].head.confidence == 0.99  # type: ignore[union-attr]


def test_deterministic_under_a_seed() -> None:
    head, base = predictions(), rescored(predictions(), 0.05)
    first = bootstrap(head, base, NAMES, threshold=0.5, resamples=300, seed=7)
    again = bootstrap(head, base, NAMES, threshold=0.5, resamples=300, seed=7)
    other = bootstrap(head, base, NAMES, threshold=0.5, resamples=300, seed=8)
    assert first == again
    assert first.metrics[0].delta != other.metrics[0].delta


def test_paired_delta_is_narrower_than_unpaired_on_correlated_predictions() -> None:
    head = predictions()
    base = rescored(head, 0.05)
    paired = bootstrap(head, base, NAMES, threshold=0.5, resamples=1000)
    other_rows = replace(base, ids=base.ids + 10**6)  # same values, but not the same rows
    unpaired = bootstrap(head, other_rows, NAMES, threshold=0.5, resamples=1000)
    assert (paired.paired, unpaired.paired) == (True, False)
    assert unpaired.unpaired_reason == (
        "the base's predictions cover other rows (0 row ids shared; head 4,000 rows, base 4,000)"
    )
    for p, u in zip(paired.metrics, unpaired.metrics, strict=True):
        assert p.delta is not None and u.delta is not None
        assert width(p.delta) < 0.6 * width(u.delta), p.metric
        # same rows, so the point values agree; only the delta's uncertainty differs
        assert (p.head_value, p.base_value) == (u.head_value, u.base_value)
        delta = p.head_value - p.base_value  # type: ignore[operator]
        assert p.delta.low <= delta <= p.delta.high


def test_pairing_joins_on_row_id_whatever_the_row_order() -> None:
    head = predictions()
    base = rescored(head, 0.05)
    order = np.random.default_rng(3).permutation(len(base))
    shuffled = Predictions(base.ids[order], base.labels[order], base.scores[order])
    assert pairing(head, shuffled) is None
    assert bootstrap(head, shuffled, ("f1",), threshold=0.5, resamples=200) == bootstrap(
        head, base, ("f1",), threshold=0.5, resamples=200
    )


def test_rows_mismatched_or_relabelled_are_unpaired_with_the_reason() -> None:
    head = predictions()
    fewer = Predictions(head.ids[:-10], head.labels[:-10], head.scores[:-10])
    assert pairing(head, fewer) == (
        "the base's predictions cover other rows (3,990 row ids shared; head 4,000 rows, base 3,990)"
    )
    relabelled = replace(
        head, labels=np.where(np.arange(len(head)) < 3, 1 - head.labels, head.labels)
    )
    assert pairing(head, relabelled) == "the same row ids carry other labels on the base (3 rows)"
    estimates = bootstrap(head, fewer, ("f1",), threshold=0.5, resamples=200)
    assert estimates.paired is False
    assert estimates.metrics[0].delta is not None


def test_a_rare_class_missing_from_some_resamples() -> None:
    """With 2 positives in 60 rows, ~13% of resamples hold none: ROC AUC is undefined there and
    left out; the class metrics stay defined (zero_division=0)."""
    rng = np.random.default_rng(0)
    labels = np.zeros(60, dtype=np.int8)
    labels[[5, 40]] = 1
    head = Predictions(np.arange(60), labels, rng.random(60))
    estimates = {
        e.metric: e for e in bootstrap(head, None, NAMES, threshold=0.5, resamples=2000).metrics
    }
    auc = estimates["roc_auc"].head
    assert auc is not None and 0 <= auc.low <= auc.high <= 1
    assert estimates["recall"].head is not None
    assert estimates["recall"].head.low == 0.0  # resamples without a positive recall nothing


def test_all_one_class_leaves_ranking_metrics_without_an_interval() -> None:
    head = Predictions(np.arange(50), np.zeros(50, dtype=np.int8), np.linspace(0, 1, 50))
    estimates = {
        e.metric: e for e in bootstrap(head, None, NAMES, threshold=0.5, resamples=200).metrics
    }
    assert np.isnan(estimates["roc_auc"].head_value)
    assert estimates["roc_auc"].head is None
    assert estimates["average_precision"].head is None
    assert estimates["accuracy"].head is not None


def test_constant_scores_give_a_degenerate_auc_interval() -> None:
    head = replace(predictions(n=500), scores=np.full(500, 0.3))
    (auc,) = bootstrap(head, None, ("roc_auc",), threshold=0.5, resamples=200).metrics
    assert (auc.head_value, auc.head.low, auc.head.high) == (0.5, 0.5, 0.5)  # type: ignore[union-attr]


def test_both_sampling_paths_draw_n_rows_per_category_share() -> None:
    """Multinomial counts (few categories) and counted row draws (many) are the same bootstrap."""
    rng = np.random.default_rng(0)
    for n_categories in (5, 900):  # 5 * 8 <= 1000 rows: multinomial; 900: row draws
        category = rng.integers(0, n_categories, 1000).astype(np.intp)
        sampler = _Sampler(category, n_categories)
        counts = sampler.draw(np.random.default_rng(1), 4000)
        assert counts.shape == (4000, n_categories)
        assert (counts.sum(axis=1) == 1000).all()
        expected = np.bincount(category, minlength=n_categories)
        assert np.abs(counts.mean(axis=0) - expected).max() < 0.15 * max(expected.max(), 3)


def test_unknown_metric_is_refused() -> None:
    with pytest.raises(ValueError, match=r"cannot recompute \['log_loss'\]"):
        bootstrap(predictions(), None, ("log_loss",), threshold=0.5)
