"""Tests of scripts/split.py: the split is stratified, disjoint and seeded."""

from __future__ import annotations

import pandas as pd

from tests.support.scripts import load_script

generate_transactions = load_script("generate").generate_transactions
split = load_script("split").split


def test_split_is_stratified_disjoint_and_seeded() -> None:
    df = generate_transactions(10_000, fraud_rate=0.015, seed=3)
    train, test = split(df, test_size=0.2, seed=1)
    assert len(test) == 2000
    assert len(train) + len(test) == len(df)
    assert set(train["transaction_id"]).isdisjoint(test["transaction_id"])
    # 150 fraud rows split 120/30 exactly: a lopsided test set would make F1 noisy.
    assert (int(train["is_fraud"].sum()), int(test["is_fraud"].sum())) == (120, 30)
    pd.testing.assert_frame_equal(test, split(df, test_size=0.2, seed=1)[1])
