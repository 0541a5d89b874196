"""Helpers shared by the reference pipeline's stage scripts (scripts/*.py).

Stage scripts run as `python scripts/NAME.py` from the repository root, so this directory is
first on sys.path and `import common` just works; tests and benchmarks add it themselves.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from threadpoolctl import threadpool_limits

PARAMS_PATH = Path("params.yaml")

# The fixed merchant categories; the schema's isin check and the model's encoder use this list.
CATEGORIES: tuple[str, ...] = (
    "grocery",
    "restaurant",
    "gas_station",
    "retail",
    "entertainment",
    "health",
    "utilities",
    "electronics",
    "travel",
    "digital_goods",
)

# Model inputs, in the order the model sees them; transaction_id is an identifier, not a feature.
FEATURES: tuple[str, ...] = (
    "amount",
    "merchant_category",
    "hour",
    "country_mismatch",
    "card_age_days",
    "velocity_1h",
    "distance_from_home_km",
    "is_online",
)
LABEL = "is_fraud"
# Each transaction's id, assigned by `generate` before splitting: the same id is the same row in
# any split, so predictions of two revisions can be paired row by row.
ROW_ID = "transaction_id"


def one_thread() -> threadpool_limits:
    """Run scikit-learn's OpenMP code on one thread. The data are small, and on a busy or shared
    CI runner OpenMP threads spin-wait for each other: training took 5-10x longer on 2 threads
    than on 1 while other jobs ran."""
    return threadpool_limits(limits=1, user_api="openmp")


def load_params(section: str, path: Path = PARAMS_PATH) -> dict[str, Any]:
    """Return one top-level section of params.yaml (the stage's own parameters)."""
    with path.open(encoding="utf-8") as handle:
        params = yaml.safe_load(handle) or {}
    if section not in params:
        raise SystemExit(f"{path}: missing `{section}:` section")
    return dict(params[section] or {})


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_json(path: Path, payload: Any) -> None:
    """Write stable, diff-friendly JSON (these files are committed and diffed in PRs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
