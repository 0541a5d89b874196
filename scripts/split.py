"""Stage `split`: stratified train/test split of the validated transactions.

Parquet keeps the dtypes the schema checked, so later stages need no re-parsing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from common import LABEL, load_params
from sklearn.model_selection import train_test_split

INPUT = Path("data/transactions.csv")
TRAIN = Path("data/train.parquet")
TEST = Path("data/test.parquet")


def split(df: pd.DataFrame, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratify on the label: with ~1.5% fraud a plain split would leave the test set lopsided."""
    train, test = train_test_split(df, test_size=test_size, stratify=df[LABEL], random_state=seed)
    return train, test


def main() -> None:
    params = load_params("split")
    train, test = split(pd.read_csv(INPUT), float(params["test_size"]), int(params["seed"]))
    TRAIN.parent.mkdir(parents=True, exist_ok=True)
    train.to_parquet(TRAIN, index=False)
    test.to_parquet(TEST, index=False)
    print(f"train: {len(train)} rows ({int(train[LABEL].sum())} fraud) -> {TRAIN}")
    print(f"test: {len(test)} rows ({int(test[LABEL].sum())} fraud) -> {TEST}")


if __name__ == "__main__":
    main()
