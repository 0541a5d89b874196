"""Bootstrap intervals: coverage of the point value, paired vs unpaired, seeds, edge cases."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sklearn import metrics as sk

from modelci.stats import (
    METRICS,
    GroupEstimates,
    Predictions,
    bootstrap,
    bootstrap_groups,
    pairing,
)
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


def test_groups_are_resampled_each_at_its_own_size() -> None:
    """Grouped draws keep every group's row count in every resample and average its counts."""
    rng = np.random.default_rng(0)
    category = rng.integers(0, 40, 3000).astype(np.intp)
    group_of_category = (np.arange(40) // 10).astype(np.intp)  # 4 groups of 10 categories
    sampler = _Sampler(category, 40, group_of_category)
    counts = sampler.draw(np.random.default_rng(1), 3000)
    sizes = np.bincount(group_of_category[category], minlength=4)
    per_group = counts.reshape(3000, 4, 10).sum(axis=2)
    assert (per_group == sizes).all()
    expected = np.bincount(category, minlength=40)
    assert np.abs(counts.mean(axis=0) - expected).max() < 0.1 * expected.max()


def test_one_group_of_all_rows_is_the_whole_set_bootstrap() -> None:
    head, base = predictions(), rescored(predictions(), 0.05)
    whole = bootstrap(head, base, NAMES, threshold=0.5, resamples=300, seed=3)
    (grouped,) = bootstrap_groups(
        head,
        base,
        NAMES,
        head_groups=np.zeros((1, len(head)), dtype=np.intp),
        base_groups=np.zeros((1, len(base)), dtype=np.intp),
        n_groups=1,
        threshold=0.5,
        resamples=300,
        seed=3,
    ).groups
    assert grouped == whole.metrics


def by_group(
    head: Predictions,
    base: Predictions,
    names: tuple[str, ...],
    head_groups: np.ndarray,
    base_groups: np.ndarray,
    n_groups: int,
) -> GroupEstimates:
    return bootstrap_groups(
        head,
        base,
        names,
        head_groups=head_groups,
        base_groups=base_groups,
        n_groups=n_groups,
        threshold=0.5,
        resamples=300,
    )


def test_group_estimates_are_each_group_s_own() -> None:
    head, base = predictions(n=6000), rescored(predictions(n=6000), 0.05)
    groups = np.stack([head.ids % 3, np.where(head.scores > 0.5, 3, -1)]).astype(np.intp)
    estimates = by_group(head, base, ("f1", "roc_auc"), groups, groups, 4)
    assert estimates.paired is True
    for group in range(3):
        rows = groups[0] == group
        f1, auc = estimates.groups[group]
        assert f1.head_value == pytest.approx(
            sk.f1_score(head.labels[rows], head.scores[rows] >= 0.5), abs=1e-12
        )
        assert auc.base_value == pytest.approx(
            sk.roc_auc_score(base.labels[rows], base.scores[rows]), abs=1e-12
        )
        assert f1.head is not None and f1.head.low < f1.head_value < f1.head.high
        assert f1.delta is not None and f1.paired is True
    # The rows scored above 0.5 on the head are all flagged: precision-like F1, AUC within them.
    flagged_f1, _ = estimates.groups[3]
    rows = groups[1] == 3
    assert flagged_f1.head_value == pytest.approx(
        sk.f1_score(head.labels[rows], np.ones(rows.sum())), abs=1e-12
    )


def test_a_group_without_base_rows_has_no_base_estimate() -> None:
    head = predictions(n=2000)
    base = replace(head, ids=head.ids + 10**6)  # other rows: unpaired
    head_groups = (head.ids % 2)[None, :].astype(np.intp)
    base_groups = np.zeros((1, len(base)), dtype=np.intp)  # every base row in group 0
    estimates = by_group(head, base, ("f1",), head_groups, base_groups, 2)
    assert estimates.paired is False
    ((zero,), (one,)) = estimates.groups
    assert zero.base_value is not None and zero.delta is not None
    assert (one.base_value, one.base, one.delta) == (None, None, None)
