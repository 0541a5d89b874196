"""Metrics per slice: predictions joined to test data on row id, intervals, gates, order, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

from modelci.config import IntervalsConfig, SlicesConfig
from modelci.errors import DataError
from modelci.slices import SliceInputs, SlicesResult, evaluate_slices
from modelci.stats import METRICS, Predictions

CATEGORIES = ("grocery", "travel", "retail", "health")


def make_data(n: int = 6000, seed: int = 0) -> pd.DataFrame:
    """Test rows with an id, a category (health is rare), an amount and a label."""
    rng = np.random.default_rng(seed)
    category = rng.choice(CATEGORIES, size=n, p=[0.4, 0.3, 0.27, 0.03])
    label = (rng.random(n) < 0.1).astype(np.int8)
    return pd.DataFrame(
        {
            "transaction_id": np.arange(1000, 1000 + n),
            "merchant_category": category,
            "amount": np.round(rng.lognormal(3.5, 1.0, n), 2),
            "is_fraud": label,
        }
    )


def scored(data: pd.DataFrame, *, blind_in: str | None = None, seed: int = 1) -> Predictions:
    """A good model's scores; `blind_in` names a category whose fraud it scores as legitimate."""
    rng = np.random.default_rng(seed)
    y = data["is_fraud"].to_numpy()
    score = np.clip(0.15 + 0.7 * y + rng.normal(0, 0.12, len(y)), 0, 1)
    if blind_in is not None:
        blind = (data["merchant_category"] == blind_in).to_numpy() & (y == 1)
        score[blind] = rng.uniform(0.05, 0.3, blind.sum())
    # Rows in another order than the data: the join is by id, not by position.
    order = rng.permutation(len(y))
    ids = data["transaction_id"].to_numpy()
    return Predictions(ids=ids[order], labels=y[order], scores=score[order])


def config(**section: object) -> SlicesConfig:
    values: dict[str, object] = {
        "data": "data/test.parquet",
        "id": "transaction_id",
        "columns": ["merchant_category"],
        "min_support": 30,
        "gates": [
            {
                "metric": "recall",
                "threshold": 0.7,
                "max_regression": 0.1,
                "regression": "significant",
            }
        ],
    }
    values.update(section)
    return SlicesConfig.model_validate(values)


def run(settings: SlicesConfig, inputs: SliceInputs) -> SlicesResult:
    return evaluate_slices(
        settings,
        inputs,
        id_column=settings.id or "row_id",
        threshold=0.5,
        intervals=IntervalsConfig(resamples=500, seed=0),
    )


def by_value(result: SlicesResult) -> dict[str, object]:
    return {s.value: s for s in result.slices}


def test_each_category_gets_sklearn_s_metrics_on_its_rows_with_intervals() -> None:
    data = make_data()
    head = scored(data)
    result = run(config(), SliceInputs(head=head, head_data=data))
    frame = data.set_index("transaction_id").loc[head.ids]
    assert {s.value for s in result.slices} == set(CATEGORIES)
    for item in result.slices:
        rows = (frame["merchant_category"] == item.value).to_numpy()
        assert (item.rows, item.positives) == (int(rows.sum()), int(head.labels[rows].sum()))
        f1 = item.metric("f1")
        assert f1 is not None
        assert f1.head == pytest.approx(
            sk.f1_score(head.labels[rows], head.scores[rows] >= 0.5), abs=1e-12
        )
        auc = item.metric("roc_auc")
        assert auc is not None
        assert auc.head == pytest.approx(
            sk.roc_auc_score(head.labels[rows], head.scores[rows]), abs=1e-12
        )
        assert f1.interval is not None and f1.interval.head.low <= f1.head <= f1.interval.head.high
        assert (f1.base, f1.delta) == (None, None)
    assert result.paired is None and result.base_data is None
    assert result.metrics == tuple(METRICS)  # all of them, by default


def test_a_category_the_model_went_blind_in_fails_its_gate_the_others_hold() -> None:
    data = make_data()
    base = scored(data)
    head = scored(data, blind_in="travel")
    result = run(config(), SliceInputs(head=head, head_data=data, base=base, base_data=data))
    assert result.paired is True
    first, *others = result.slices
    assert first.value == "travel" and not first.passed
    recall = first.metric("recall")
    assert recall is not None and recall.head == 0.0 and recall.base is not None
    assert recall.interval is not None and recall.interval.delta is not None
    assert recall.interval.delta.high < 0
    (gate,) = first.gates
    assert gate.reasons[0] == "recall = 0, required >= 0.7"
    assert gate.reasons[1].startswith(f"recall regressed from {recall.base:g} to 0 (")
    assert gate.reasons[1].endswith("excludes 0: not noise")
    assert [s.passed for s in others] == [True, True, True]
    assert result.failed == [first]
    assert result.summary.startswith(
        "1 of 3 slice gates failed: merchant_category = travel: recall = 0, required >= 0.7"
    )


def test_a_slice_with_fewer_positives_than_min_support_is_reported_not_gated() -> None:
    data = make_data()
    head = scored(data, blind_in="health")  # health: ~18 positives, below min_support 30
    result = run(config(), SliceInputs(head=head, head_data=data, base=scored(data)))
    health = by_value(result)["health"]
    assert health.small and health.gates == () and health.passed  # type: ignore[attr-defined]
    assert health.positives < 30  # type: ignore[attr-defined]
    assert result.small == [health]
    assert result.failed == []
    assert result.summary == "3 slice gates held"
    assert result.slices[-1] is health  # small slices after the gated ones


def test_slices_order_failed_then_gated_by_movement_then_small() -> None:
    data = make_data()
    base = scored(data)
    head = scored(data, seed=5)  # another draw of noise: every slice moves a little
    result = run(config(min_support=1), SliceInputs(head=head, head_data=data, base=base))
    moved = [s.movement(("recall",)) for s in result.slices]
    assert moved == sorted(moved, reverse=True)


def test_numeric_bins_cut_at_edges_with_slices_below_and_above() -> None:
    data = make_data()
    data.loc[data.index[:7], "amount"] = np.nan
    head = scored(data)
    result = run(
        config(columns=[{"column": "amount", "bins": [10, 50]}], gates=[]),
        SliceInputs(head=head, head_data=data),
    )
    counts = {s.value: s.rows for s in result.slices}
    amount = data["amount"]
    assert counts == {
        "< 10": int((amount < 10).sum()),
        "[10, 50)": int(((amount >= 10) & (amount < 50)).sum()),
        "≥ 50": int((amount >= 50).sum()),
        "missing": 7,
    }


def test_a_count_of_bins_cuts_at_quantiles_of_the_head_s_rows() -> None:
    data = make_data()
    result = run(
        config(columns=[{"column": "amount", "bins": 4}], gates=[]),
        SliceInputs(head=scored(data), head_data=data),
    )
    assert len(result.slices) == 4
    assert all(abs(s.rows - 1500) < 20 for s in result.slices), [s.rows for s in result.slices]


def test_several_columns_slice_the_same_rows_each_on_its_own() -> None:
    data = make_data()
    result = run(
        config(columns=["merchant_category", {"column": "amount", "bins": [30]}], gates=[]),
        SliceInputs(head=scored(data), head_data=data),
    )
    assert result.columns == ("merchant_category", "amount")
    per_column = {c: sum(s.rows for s in result.slices if s.column == c) for c in result.columns}
    assert per_column == {"merchant_category": 6000, "amount": 6000}


def test_base_rows_missing_from_the_data_are_in_no_slice_and_said_so() -> None:
    data = make_data()
    head = scored(data)
    old = Predictions(head.ids + 10**6, head.labels, head.scores)  # rows the data does not hold
    keep = np.arange(len(head)) < 5000
    base = Predictions(
        np.where(keep, head.ids, old.ids), head.labels, np.clip(head.scores - 0.01, 0, 1)
    )
    result = run(config(), SliceInputs(head=head, head_data=data, base=base, base_data=data))
    assert result.paired is False
    assert result.notes == (
        "1,000 of the base's 6,000 predicted rows have no row in the test data it is sliced "
        "by: they are in no slice",
    )
    assert sum(s.base_rows for s in result.slices) == 5000


def test_a_value_only_the_base_has_is_no_slice_and_a_slice_the_base_lacks_has_no_base() -> None:
    data = make_data()
    base_data = data.assign(
        merchant_category=data["merchant_category"].replace({"health": "pharmacy"})
    )
    head = scored(data)
    # Other labels on the same ids: unpaired, so each side's rows are sliced by its own data.
    relabelled = Predictions(head.ids, (1 - head.labels).astype(np.int8), head.scores)
    result = run(
        config(min_support=1),
        SliceInputs(head=head, head_data=data, base=relabelled, base_data=base_data),
    )
    assert result.paired is False
    health = by_value(result)["health"]
    assert (health.base_rows, health.metric("recall").base) == (0, None)  # type: ignore[attr-defined]
    (gate,) = health.gates  # type: ignore[attr-defined]
    assert gate.notes == ("no base value: regression check skipped",)
    assert "pharmacy" not in by_value(result)


@pytest.mark.parametrize(
    ("section", "frame_edit", "message"),
    [
        (
            {"columns": ["country"]},
            None,
            "data/test.parquet: no column `country` to slice on (columns: transaction_id, "
            "merchant_category, amount, is_fraud)",
        ),
        (
            {"columns": ["amount"]},
            None,
            "data/test.parquet: column `amount` has ",
        ),
        (
            {"columns": [{"column": "merchant_category", "bins": [1]}]},
            None,
            "data/test.parquet: column `merchant_category` has bins but holds values that are "
            "not numbers (6,000 rows, e.g. ",
        ),
        (
            {"id": "row"},
            None,
            "data/test.parquet: no row id column `row` (columns: transaction_id, "
            "merchant_category, amount, is_fraud)",
        ),
        (
            {},
            "duplicate",
            "data/test.parquet: row id column `transaction_id` repeats 1 ids",
        ),
        (
            {},
            "shift",
            "data/test.parquet: none of the 6,000 predicted row ids is in column `transaction_id`",
        ),
    ],
)
def test_data_problems_are_errors_naming_the_file_and_column(
    section: dict[str, object], frame_edit: str | None, message: str
) -> None:
    data = make_data()
    head = scored(data)
    if frame_edit == "duplicate":
        data.loc[data.index[1], "transaction_id"] = data.loc[data.index[0], "transaction_id"]
    if frame_edit == "shift":
        data["transaction_id"] += 10**6
    with pytest.raises(DataError) as caught:
        run(config(**section), SliceInputs(head=head, head_data=data))
    assert caught.value.message.startswith(message), caught.value.message
    if section.get("columns") == ["amount"]:
        distinct = data["amount"].nunique()
        assert caught.value.message.endswith(
            f" has {distinct:,} distinct values, more slices than `max_slices` (100)"
        )
        assert caught.value.hint is not None and "give `amount` bins" in caught.value.hint
