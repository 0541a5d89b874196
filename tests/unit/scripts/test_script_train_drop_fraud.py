"""Tests of scripts/train.py's `drop_fraud_in`: one category's fraud rows leave training."""

from __future__ import annotations

import pytest

from tests.support.scripts import load_script

generate_transactions = load_script("generate").generate_transactions
without_fraud_in = load_script("train").without_fraud_in


def test_only_the_category_s_fraud_rows_are_dropped() -> None:
    df = generate_transactions(20_000, fraud_rate=0.05, seed=4)
    kept = without_fraud_in(df, "grocery")
    grocery = df["merchant_category"] == "grocery"
    fraud = df["is_fraud"] == 1
    assert int((grocery & fraud).sum()) > 0
    assert len(kept) == len(df) - int((grocery & fraud).sum())
    assert int(kept[kept["merchant_category"] == "grocery"]["is_fraud"].sum()) == 0
    assert int(kept["is_fraud"].sum()) == int((fraud & ~grocery).sum())  # other fraud stays
    assert without_fraud_in(df, None) is df  # the default: every row


def test_an_unknown_category_stops_training_with_the_allowed_ones() -> None:
    df = generate_transactions(100, seed=0)
    with pytest.raises(SystemExit) as stopped:
        without_fraud_in(df, "casino")
    assert str(stopped.value) == (
        "train.drop_fraud_in must be one of grocery, restaurant, gas_station, retail, "
        "entertainment, health, utilities, electronics, travel, digital_goods, not 'casino'"
    )
