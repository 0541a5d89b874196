"""generate.py: the synthetic transactions are seeded, and the error knob really corrupts rows."""

from generate import BAD_CATEGORY, generate_transactions


def test_same_seed_same_rows_and_the_fraud_share_holds():
    first = generate_transactions(2_000, fraud_rate=0.05, seed=7)
    assert first.equals(generate_transactions(2_000, fraud_rate=0.05, seed=7))
    assert int(first["is_fraud"].sum()) == 100
    assert first["transaction_id"].is_unique


def test_inject_errors_plants_each_kind_of_bad_value():
    rows = generate_transactions(2_000, seed=1, inject_errors=3)
    assert int(rows["amount"].isna().sum()) == 3
    assert int((rows["merchant_category"] == BAD_CATEGORY).sum()) == 3
