"""Stage `train`: fit the fraud classifier and record what was trained.

Writes models/model.skops (skops: scikit-learn's secure format, which loads only the types one
trusts) and models/model.json: the file's SHA-256, the types it needs (`trusted_types`), and the
training environment (Python and every installed library's version), so a loader checks the hash
first and an image can be built with exactly these versions.
"""

from __future__ import annotations

import importlib.metadata
import platform
from pathlib import Path
from typing import Any

import pandas as pd
import sklearn
import skops.io as sio
from common import CATEGORIES, FEATURES, LABEL, load_params, one_thread, sha256_bytes, write_json
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

TRAIN = Path("data/train.parquet")
MODEL = Path("models/model.skops")
METADATA = Path("models/model.json")
MODEL_TYPES = ("hist_gradient_boosting", "random_forest")


def build_model(params: dict[str, Any]) -> Pipeline:
    """A pipeline that takes the raw feature columns, so the model file alone can score new data."""
    kind = params.get("model", "hist_gradient_boosting")
    seed = int(params.get("seed", 0))
    common_args: dict[str, Any] = {
        "max_depth": params.get("max_depth"),
        "min_samples_leaf": int(params.get("min_samples_leaf", 20)),
        "class_weight": params.get("class_weight"),
        "random_state": seed,
    }
    # Features the score may only rise with (domain knowledge: more card activity in the last hour,
    # or another country than the card's, is never evidence of legitimacy); none by default.
    monotone = dict.fromkeys(params.get("monotone_increasing") or (), 1)
    unknown = sorted(set(monotone) - set(FEATURES))
    if unknown:
        raise SystemExit(f"train.monotone_increasing: not features: {', '.join(unknown)}")
    if monotone and kind != "hist_gradient_boosting":
        raise SystemExit("train.monotone_increasing needs train.model: hist_gradient_boosting")
    classifier: HistGradientBoostingClassifier | RandomForestClassifier
    if kind == "hist_gradient_boosting":
        classifier = HistGradientBoostingClassifier(
            max_iter=int(params.get("n_estimators", 100)),
            learning_rate=float(params.get("learning_rate", 0.1)),
            max_leaf_nodes=params.get("max_leaf_nodes", 31),
            # A fixed number of iterations: early stopping's random 10% holdout holds only
            # ~100 fraud rows, which makes the stopping point (and the metrics) jumpy.
            early_stopping=False,
            categorical_features=["merchant_category"],
            monotonic_cst=monotone or None,
            **common_args,
        )
    elif kind == "random_forest":
        classifier = RandomForestClassifier(
            n_estimators=int(params.get("n_estimators", 100)), n_jobs=-1, **common_args
        )
    else:
        raise SystemExit(f"train.model must be one of {', '.join(MODEL_TYPES)}, not {kind!r}")

    # Categories unknown at training time map to -1, which the boosting model treats as missing.
    encode = ColumnTransformer(
        [
            (
                "category",
                OrdinalEncoder(
                    categories=[list(CATEGORIES)],
                    handle_unknown="use_encoded_value",
                    unknown_value=-1,
                ),
                ["merchant_category"],
            )
        ],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    return Pipeline([("encode", encode), ("classify", classifier)])


def without_fraud_in(df: pd.DataFrame, category: str | None) -> pd.DataFrame:
    """The training rows minus `category`'s fraud examples (None: all rows). A model trained so
    learns that fraud never happens there: one merchant category gets worse while the headline
    metrics barely move, which is what per-slice gates are for."""
    if category is None:
        return df
    if category not in CATEGORIES:
        raise SystemExit(
            f"train.drop_fraud_in must be one of {', '.join(CATEGORIES)}, not {category!r}"
        )
    return df[~((df["merchant_category"] == category) & (df[LABEL] == 1))]


def train(df: pd.DataFrame, params: dict[str, Any], model_path: Path, meta_path: Path) -> None:
    df = without_fraud_in(df, params.get("drop_fraud_in"))
    with one_thread():
        model = build_model(params).fit(df[list(FEATURES)], df[LABEL])
    blob = sio.dumps(model)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model_path.write_bytes(blob)
    write_json(
        meta_path,
        {
            "model_file": model_path.name,
            "format": "skops",
            "sha256": sha256_bytes(blob),
            # What this model needs beyond skops' defaults; a loader trusts these and no others.
            "trusted_types": sorted(sio.get_untrusted_types(data=blob)),
            "features": list(FEATURES),
            "label": LABEL,
            "sklearn_version": sklearn.__version__,
            "params": params,
            "n_train_rows": len(df),
            "n_train_fraud": int(df[LABEL].sum()),
            "environment": training_environment(),
        },
    )


def training_environment() -> dict[str, Any]:
    """Python's version and every installed distribution's, as the training run saw them."""
    packages = {
        dist.metadata["Name"].lower(): dist.version for dist in importlib.metadata.distributions()
    }
    return {"python": platform.python_version(), "packages": dict(sorted(packages.items()))}


def main() -> None:
    params = load_params("train")
    train(pd.read_parquet(TRAIN), params, MODEL, METADATA)
    print(f"wrote {MODEL} and {METADATA}")


if __name__ == "__main__":
    main()
