"""Stage `generate`: synthetic credit-card transactions with a fraud label.

Legitimate rows follow everyday spending; fraud rows come from three schemes that each need a
combination of features to spot (card testing, account takeover, a freshly stolen card), plus a
share of fraud that looks entirely legitimate, so a good model scores high but not a perfect 1.0.

`drift` shifts the feature distributions (for drift-detection work); `inject_errors` corrupts the
output on purpose to simulate a broken upstream feed that data validation must catch.

Import `generate_transactions` to reuse the generator (benchmarks, tests).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from common import CATEGORIES, LABEL, load_params

OUTPUT = Path("data/transactions.csv")

_CATEGORY_NAMES = np.array(CATEGORIES)
# Per category, in CATEGORIES order: typical (median) purchase, share of online purchases and
# share of legitimate traffic.
_MEDIAN_AMOUNT = np.array([45, 30, 40, 60, 35, 50, 90, 180, 350, 15], dtype=float)
_ONLINE_SHARE = np.array([0.05, 0.05, 0.02, 0.3, 0.3, 0.05, 0.7, 0.5, 0.6, 0.95])
_LEGIT_MIX = np.array([0.22, 0.15, 0.10, 0.12, 0.08, 0.07, 0.06, 0.07, 0.05, 0.08])
_TRAVEL = CATEGORIES.index("travel")

# Legitimate spending peaks in the day and evening; fraud is flat or leans to the night.
_DAY_HOURS = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.6, 1.5, 3, 5, 6, 6.5, 7, 8, 7.5, 7, 6.5, 6.5, 7, 7.5, 7, 6, 4.5, 3, 2]
)
_NIGHT_HOURS = np.array([8, 8, 8, 7, 6, 4] + [1] * 18, dtype=float)
_FLAT_HOURS = np.ones(24)

# Values written by `inject_errors`, one per kind of problem the schema must catch.
BAD_CATEGORY = "crypto_casino"
BAD_HOUR = 27
BAD_CARD_AGE = "unknown"
ERROR_KINDS = ("null_amount", "negative_amount", "unknown_category", "bad_hour", "bad_card_age")


def _categories(rng: np.random.Generator, n: int, **weights: float) -> np.ndarray:
    """n category indices drawn with the given relative weights ({category: weight})."""
    p = np.array([weights.get(c, 0.0) for c in CATEGORIES])
    return rng.choice(len(CATEGORIES), size=n, p=p / p.sum())


def _hours(rng: np.random.Generator, n: int, profile: np.ndarray) -> np.ndarray:
    return rng.choice(24, size=n, p=profile / profile.sum())


def _legit(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Everyday spending. Travellers, new cards, night-shift workers and shopping sprees each look
    like fraud on one feature, so a model has to combine features (depth-1 trees fall short)."""
    night_shift = rng.random(n) < 0.03  # fuel and food at night, in person
    cat = np.where(
        night_shift,
        _categories(rng, n, gas_station=4, grocery=3, restaurant=3),
        rng.choice(len(CATEGORIES), size=n, p=_LEGIT_MIX),
    )
    mismatch = rng.random(n) < np.where(cat == _TRAVEL, 0.10, 0.02)
    new_card = rng.random(n) < 0.01
    spree = rng.random(n) < 0.03  # several in-person purchases within the hour
    return {
        "cat": cat,
        "amount": _MEDIAN_AMOUNT[cat] * rng.lognormal(0.0, 0.75, n),
        "hour": np.where(night_shift, _hours(rng, n, _NIGHT_HOURS), _hours(rng, n, _DAY_HOURS)),
        "country_mismatch": mismatch,
        "card_age_days": np.where(
            new_card, rng.integers(0, 90, n), rng.gamma(2.0, 400.0, n).astype(np.int64)
        ),
        "velocity_1h": np.where(spree, rng.poisson(3.0, n) + 1, rng.poisson(0.3, n)),
        "distance_from_home_km": np.where(
            mismatch, rng.lognormal(7.0, 0.8, n), rng.lognormal(1.8, 0.9, n)
        ),
        "is_online": ~spree & ~night_shift & (rng.random(n) < _ONLINE_SHARE[cat]),
    }


def _card_testing(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Many tiny online charges in a short time to check that a stolen card number works."""
    mismatch = rng.random(n) < 0.3
    return {
        "cat": _categories(rng, n, digital_goods=6, retail=2, entertainment=2),
        "amount": rng.lognormal(np.log(2.5), 0.6, n),
        "hour": _hours(rng, n, _FLAT_HOURS),
        "country_mismatch": mismatch,
        "card_age_days": rng.gamma(2.0, 400.0, n).astype(np.int64),
        "velocity_1h": rng.poisson(6.0, n) + 2,
        "distance_from_home_km": rng.lognormal(3.0, 1.5, n),
        "is_online": rng.random(n) < 0.97,
    }


def _account_takeover(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Large purchases of resellable goods, often at night and from another country."""
    mismatch = rng.random(n) < 0.75
    return {
        "cat": _categories(rng, n, electronics=45, travel=15, retail=20, digital_goods=20),
        "amount": rng.lognormal(np.log(600.0), 0.6, n),
        "hour": _hours(rng, n, _NIGHT_HOURS),
        "country_mismatch": mismatch,
        "card_age_days": rng.gamma(2.0, 400.0, n).astype(np.int64),
        "velocity_1h": rng.poisson(3.0, n),
        "distance_from_home_km": np.where(
            mismatch, rng.lognormal(7.5, 0.8, n), rng.lognormal(5.5, 0.8, n)
        ),
        "is_online": rng.random(n) < 0.7,
    }


def _stolen_card(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """A card intercepted in the post: spent in person within days of issue, away from home."""
    return {
        "cat": _categories(rng, n, electronics=35, retail=30, gas_station=15, grocery=20),
        "amount": rng.lognormal(np.log(200.0), 0.8, n),
        "hour": _hours(rng, n, _FLAT_HOURS),
        "country_mismatch": rng.random(n) < 0.1,
        "card_age_days": rng.integers(0, 15, n),
        "velocity_1h": rng.poisson(2.5, n),
        "distance_from_home_km": rng.lognormal(4.0, 1.0, n),
        "is_online": rng.random(n) < 0.2,
    }


# Fraud schemes and their share of fraud; "mimic" fraud is drawn exactly like legitimate spending,
# which caps recall below 1.0 as real fraud that no feature reveals does.
_SCHEMES = (_card_testing, _account_takeover, _stolen_card, _legit)
_SCHEME_SHARE = np.array([0.30, 0.38, 0.29, 0.03])


def _apply_drift(rng: np.random.Generator, cols: dict[str, np.ndarray], drift: float) -> None:
    """Shift the whole population as drift grows: bigger baskets, more online, later hours,
    farther from home, busier cards. The fraud patterns stay; the inputs move."""
    n = len(cols["amount"])
    cols["amount"] = cols["amount"] * np.exp(0.4 * drift)
    cols["is_online"] = cols["is_online"] | (rng.random(n) < min(0.3 * drift, 0.9))
    cols["hour"] = (cols["hour"] + round(3 * drift)) % 24
    cols["distance_from_home_km"] = cols["distance_from_home_km"] * (1.0 + drift)
    cols["velocity_1h"] = cols["velocity_1h"] + rng.poisson(0.5 * drift, n)


def _inject_errors(rng: np.random.Generator, df: pd.DataFrame, n_errors: int) -> pd.DataFrame:
    """Corrupt n_errors distinct rows per kind of problem (null and negative amounts, unknown
    category, hour 27, non-numeric card age), as a broken upstream feed would."""
    kinds = len(ERROR_KINDS)
    if n_errors * kinds > len(df):
        raise ValueError(f"inject_errors={n_errors} needs at least {n_errors * kinds} rows")
    rows = rng.choice(len(df), size=n_errors * kinds, replace=False).reshape(kinds, n_errors)
    df = df.astype({"card_age_days": object, "amount": float})
    df.loc[rows[0], "amount"] = np.nan
    df.loc[rows[1], "amount"] = -df.loc[rows[1], "amount"]
    df.loc[rows[2], "merchant_category"] = BAD_CATEGORY
    df.loc[rows[3], "hour"] = BAD_HOUR
    df.loc[rows[4], "card_age_days"] = BAD_CARD_AGE
    return df


def generate_transactions(
    n_rows: int,
    fraud_rate: float = 0.015,
    seed: int = 0,
    drift: float = 0.0,
    inject_errors: int = 0,
) -> pd.DataFrame:
    """Return n_rows transactions (seeded, so the same arguments give the same frame)."""
    if n_rows <= 0 or not 0.0 <= fraud_rate < 1.0 or drift < 0 or inject_errors < 0:
        raise ValueError("need n_rows > 0, 0 <= fraud_rate < 1, drift >= 0, inject_errors >= 0")
    rng = np.random.default_rng(seed)
    n_fraud = round(n_rows * fraud_rate)
    per_scheme = rng.multinomial(n_fraud, _SCHEME_SHARE)
    parts = [_legit(rng, n_rows - n_fraud)] + [
        scheme(rng, n) for scheme, n in zip(_SCHEMES, per_scheme, strict=True)
    ]
    cols = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    label = np.repeat([0, 1], [n_rows - n_fraud, n_fraud])
    if drift:
        _apply_drift(rng, cols, drift)

    # Shuffle so fraud is not clustered at the end of the file.
    order = rng.permutation(n_rows)
    df = pd.DataFrame(
        {
            "transaction_id": np.arange(1, n_rows + 1, dtype=np.int64),
            "amount": np.round(np.maximum(cols["amount"][order], 0.01), 2),
            "merchant_category": _CATEGORY_NAMES[cols["cat"][order]],
            "hour": cols["hour"][order].astype(np.int64),
            "country_mismatch": cols["country_mismatch"][order].astype(np.int64),
            "card_age_days": cols["card_age_days"][order].astype(np.int64),
            "velocity_1h": cols["velocity_1h"][order].astype(np.int64),
            "distance_from_home_km": np.round(cols["distance_from_home_km"][order], 2),
            "is_online": cols["is_online"][order].astype(np.int64),
            LABEL: label[order].astype(np.int64),
        }
    )
    if inject_errors:
        df = _inject_errors(rng, df, inject_errors)
    return df


def main() -> None:
    params = load_params("generate")
    df = generate_transactions(
        n_rows=int(params["n_rows"]),
        fraud_rate=float(params["fraud_rate"]),
        seed=int(params["seed"]),
        drift=float(params.get("drift", 0.0)),
        inject_errors=int(params.get("inject_errors", 0)),
    )
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUTPUT, index=False)
    print(f"wrote {len(df)} rows ({int(df[LABEL].sum())} fraud) to {OUTPUT}")


if __name__ == "__main__":
    main()
