"""The compiled checks agree with Pandera on every row, and name the field and rule they broke."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelci.errors import ConfigError
from modelci.serving.schema import compile_schema
from modelci.validation import load_schema

REPO = Path(__file__).resolve().parents[3]
SCHEMA = load_schema("schemas/transactions.yaml", base_dir=REPO)
FEATURES = [
    "amount", "merchant_category", "hour", "country_mismatch", "card_age_days", "velocity_1h",
    "distance_from_home_km", "is_online",
]  # fmt: skip
COMPILED = compile_schema(SCHEMA, FEATURES)
CATEGORIES = list(SCHEMA.columns["merchant_category"].checks[0].statistics["allowed_values"])

values = {
    "amount": st.one_of(st.floats(-5, 5000, allow_nan=False), st.integers(-3, 3)),
    "merchant_category": st.sampled_from([*CATEGORIES, "casino", "Grocery", ""]),
    "hour": st.integers(-2, 26),
    "country_mismatch": st.integers(-1, 2),
    "card_age_days": st.integers(-3, 9000),
    "velocity_1h": st.integers(-2, 40),
    "distance_from_home_km": st.floats(-10, 20000, allow_nan=False),
    "is_online": st.integers(-1, 2),
}
rows = st.lists(st.fixed_dictionaries(values), min_size=1, max_size=30)


def _pandera_bad_rows(records: list[dict[str, Any]]) -> set[int]:
    import pandera.errors

    frame = pd.DataFrame(records)
    frame["merchant_category"] = frame["merchant_category"].astype("string[pyarrow]")
    subset = SCHEMA.select_columns(FEATURES)
    try:
        subset.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        return {int(i) for i in errors.failure_cases["index"].dropna()}
    return set()


@settings(max_examples=60, deadline=None)
@given(rows)
def test_compiled_checks_fail_exactly_the_rows_pandera_fails(records: list[dict[str, Any]]) -> None:
    columns = {name: [record[name] for record in records] for name in FEATURES}
    _, failures = COMPILED.check_batch(columns)
    ours = {int(row) for failure in failures for row in failure.rows}
    assert ours == _pandera_bad_rows(records)


def test_each_failure_names_its_field_rule_rows_and_values() -> None:
    columns: dict[str, list[Any]] = {
        "amount": [10.0, -1.0, 0],
        "merchant_category": ["grocery", "grocery", "casino"],
        "hour": [1, 24, "3"],
        "country_mismatch": [0, 1, None],
        "card_age_days": [5, 5, 5],
        "velocity_1h": [1, 1, 1.5],
        "distance_from_home_km": [1.0, 2.0, True],
        "is_online": [0, 1, 1],
    }
    arrays, failures = COMPILED.check_batch(columns)
    found = {
        (f.field, f.rule, f.message, tuple(f.rows.tolist()), tuple(f.values)) for f in failures
    }
    assert found == {
        ("amount", "greater_than(0)", "must be greater than 0", (1, 2), (-1.0, 0.0)),
        (
            "merchant_category",
            "isin",
            "must be one of " + ", ".join(CATEGORIES),
            (2,),
            ("casino",),
        ),
        ("hour", "dtype", "must be an integer (INT64)", (2,), ("3",)),
        ("hour", "in_range[0, 23]", "must be in [0, 23]", (1,), (24,)),
        ("country_mismatch", "not_nullable", "must not be null", (2,), (None,)),
        ("velocity_1h", "dtype", "must be an integer (INT64)", (2,), (1.5,)),
        ("distance_from_home_km", "dtype", "must be a number (FP64)", (2,), (True,)),
    }
    assert arrays["hour"].dtype == np.int64
    assert arrays["amount"].dtype == np.float64


def test_integral_floats_are_integers_and_values_keep_their_exact_type() -> None:
    columns = {name: [] for name in FEATURES}  # type: dict[str, list[Any]]
    row = {"amount": 3, "merchant_category": "travel", "hour": 7.0, "country_mismatch": 1,
           "card_age_days": 2**40, "velocity_1h": 0, "distance_from_home_km": 0,
           "is_online": 0}  # fmt: skip
    for name in FEATURES:
        columns[name].append(row[name])
    arrays, failures = COMPILED.check_batch(columns)
    assert failures == []
    assert arrays["hour"].tolist() == [7] and arrays["hour"].dtype == np.int64
    assert arrays["card_age_days"].tolist() == [2**40]
    assert arrays["amount"].tolist() == [3.0] and arrays["amount"].dtype == np.float64


def test_a_feature_missing_from_the_schema_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        compile_schema(SCHEMA, [*FEATURES, "ip_address"])
    assert caught.value.message == (
        "transactions: the schema has no column for the model input(s) ip_address"
    )
    assert caught.value.exit_code == 3
