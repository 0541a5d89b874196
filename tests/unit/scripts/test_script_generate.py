"""Tests of scripts/generate.py: determinism, size, fraud rate, drift, and injected errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

from tests.support.scripts import SCRIPTS, load_script

generate = load_script("generate")
generate_transactions = generate.generate_transactions

SCHEMA_PATH = SCRIPTS.parent / "schemas" / "transactions.yaml"


@pytest.fixture(scope="module")
def schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema.from_yaml(SCHEMA_PATH)


def _via_csv(df: pd.DataFrame, tmp_path: Path) -> pd.DataFrame:
    """Round-trip through CSV, as the pipeline hands data to validation."""
    path = tmp_path / "transactions.csv"
    df.to_csv(path, index=False)
    return pd.read_csv(path)


def test_same_seed_same_data_other_seed_other_data() -> None:
    first = generate_transactions(2000, seed=7)
    pd.testing.assert_frame_equal(first, generate_transactions(2000, seed=7))
    assert not first.equals(generate_transactions(2000, seed=8))


def test_row_count_and_fraud_rate() -> None:
    df = generate_transactions(20_000, fraud_rate=0.015, seed=1)
    assert len(df) == 20_000
    assert df["transaction_id"].is_unique
    assert df["is_fraud"].mean() == pytest.approx(0.015, abs=0.002)
    # Fraud is shuffled through the file, not appended at the end.
    assert df["is_fraud"].iloc[:10_000].sum() > 0


def test_fraud_rows_look_different() -> None:
    df = generate_transactions(20_000, seed=2)
    fraud, legit = df[df["is_fraud"] == 1], df[df["is_fraud"] == 0]
    assert fraud["velocity_1h"].mean() > 2 * legit["velocity_1h"].mean()
    assert fraud["country_mismatch"].mean() > 5 * legit["country_mismatch"].mean()
    assert fraud["card_age_days"].lt(30).mean() > 5 * legit["card_age_days"].lt(30).mean()


def test_clean_data_passes_the_schema(schema: pa.DataFrameSchema, tmp_path: Path) -> None:
    df = _via_csv(generate_transactions(5000, seed=3), tmp_path)
    schema.validate(df, lazy=True)


def test_drift_shifts_distributions() -> None:
    base = generate_transactions(20_000, seed=4)
    drifted = generate_transactions(20_000, seed=4, drift=1.0)
    assert drifted["amount"].median() > 1.3 * base["amount"].median()
    assert drifted["is_online"].mean() > base["is_online"].mean() + 0.1
    assert drifted["distance_from_home_km"].median() > 1.5 * base["distance_from_home_km"].median()
    hour_shares = [df["hour"].value_counts(normalize=True) for df in (base, drifted)]
    assert (hour_shares[1] - hour_shares[0]).abs().max() > 0.02
    # Drift moves inputs, not the label.
    assert drifted["is_fraud"].sum() == base["is_fraud"].sum()


def test_injected_errors_are_each_reported(schema: pa.DataFrameSchema, tmp_path: Path) -> None:
    n_errors = 3
    df = _via_csv(generate_transactions(3000, seed=5, inject_errors=n_errors), tmp_path)
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        schema.validate(df, lazy=True)
    failures = caught.value.failure_cases

    def failed_rows(column: str, check: str) -> pd.DataFrame:
        return failures[(failures["column"] == column) & failures["check"].str.startswith(check)]

    assert len(failed_rows("amount", "not_nullable")) == n_errors
    negative = failed_rows("amount", "greater_than")
    assert len(negative) == n_errors
    assert (negative["failure_case"].astype(float) < 0).all()
    category = failed_rows("merchant_category", "isin")
    assert set(category["failure_case"]) == {generate.BAD_CATEGORY}
    assert len(category) == n_errors
    hour = failed_rows("hour", "in_range")
    assert set(hour["failure_case"].astype(int)) == {generate.BAD_HOUR}
    assert len(hour) == n_errors
    card_age = failed_rows("card_age_days", "coerce_dtype")
    assert set(card_age["failure_case"]) == {generate.BAD_CARD_AGE}
    assert len(card_age) == n_errors


def test_injected_errors_hit_distinct_rows() -> None:
    df = generate_transactions(1000, seed=6, inject_errors=4)
    bad = (
        df["amount"].isna()
        | (df["amount"] < 0)
        | (df["merchant_category"] == generate.BAD_CATEGORY)
        | (df["hour"] == generate.BAD_HOUR)
        | (df["card_age_days"] == generate.BAD_CARD_AGE)
    )
    assert bad.sum() == 4 * len(generate.ERROR_KINDS)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_rows": 0},
        {"n_rows": 100, "fraud_rate": 1.5},
        {"n_rows": 100, "drift": -1.0},
        {"n_rows": 10, "inject_errors": 3},
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        generate_transactions(**kwargs)  # type: ignore[arg-type]
