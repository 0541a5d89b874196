"""split.py: stratified on the label, disjoint, all rows kept."""

from generate import generate_transactions
from split import split


def test_split_keeps_every_row_once_and_the_fraud_share():
    rows = generate_transactions(5_000, fraud_rate=0.02, seed=3)
    train, test = split(rows, test_size=0.2, seed=0)
    assert len(train) + len(test) == len(rows)
    assert set(train["transaction_id"]).isdisjoint(test["transaction_id"])
    assert int(test["is_fraud"].sum()) == 20  # exactly 20% of the 100 fraud rows
