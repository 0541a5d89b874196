"""A small fitted pipeline of the reference model's shape (encoder + boosting), and its data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from tests.unit.serving.test_schema import CATEGORIES


@pytest.fixture(scope="session")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 600
    return pd.DataFrame(
        {
            "amount": rng.gamma(2, 40, n).round(2) + 0.01,
            "merchant_category": rng.choice(CATEGORIES, n),
            "hour": rng.integers(0, 24, n),
            "country_mismatch": rng.integers(0, 2, n),
            "card_age_days": rng.integers(0, 3000, n),
            "velocity_1h": rng.integers(0, 10, n),
            "distance_from_home_km": rng.gamma(1, 20, n).round(2),
            "is_online": rng.integers(0, 2, n),
        }
    )


@pytest.fixture(scope="session")
def model(frame: pd.DataFrame) -> Pipeline:
    encode = ColumnTransformer(
        [("c", OrdinalEncoder(categories=[CATEGORIES]), ["merchant_category"])],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    label = (frame["amount"] > 100) ^ (frame["is_online"] == 1)
    return Pipeline([("e", encode), ("m", HistGradientBoostingClassifier(max_iter=10))]).fit(
        frame, label
    )
