"""The model's scores for prediction drift: from score files, or from a verified model file.

A model file is unpickled only after its SHA-256 matches the one recorded beside it at training
time (models/model.json), because unpickling runs arbitrary code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from modelci.errors import ConfigError, DataError

if TYPE_CHECKING:
    import pandas as pd

SCORE_COLUMNS = ("score", "prediction")


def load_verified_model(model_path: Path, metadata_path: Path) -> tuple[Any, dict[str, Any]]:
    """(model, metadata) once the model file's SHA-256 equals the metadata's `sha256`."""
    try:
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"cannot read the model's metadata: {error}",
            file=str(metadata_path),
            hint="Give --model-metadata, the JSON file that records the model's sha256.",
        ) from error
    expected = str(metadata.get("sha256", "")) if isinstance(metadata, dict) else ""
    if not expected:
        raise ConfigError(
            f"records no sha256 for {model_path}; refusing to unpickle an unverified model",
            file=str(metadata_path),
        )
    try:
        blob = model_path.read_bytes()  # hash and unpickle the same bytes
    except OSError as error:
        raise ConfigError(f"cannot read the model: {error}", file=str(model_path)) from error
    actual = hashlib.sha256(blob).hexdigest()
    if not hmac.compare_digest(actual, expected):
        raise ConfigError(
            f"sha256 is {actual}, but {metadata_path} records {expected}; refusing to unpickle it",
            file=str(model_path),
            hint="Rebuild the model (`dvc repro train`), or give the metadata saved with it.",
        )
    return pickle.loads(blob), metadata  # noqa: S301 - the bytes' hash was verified above


def model_scores(model: Any, metadata: dict[str, Any], frame: pd.DataFrame, label: str) -> Any:
    """The model's scores on `frame`: the positive class's probability, or its predictions."""
    features = metadata.get("features")
    columns = list(features) if features else list(frame.columns)
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise DataError(
            f"{label} lacks the model's feature column(s) {', '.join(missing)}",
            hint="Score data with the columns the model was trained on.",
        )
    try:
        if hasattr(model, "predict_proba"):
            return np.asarray(model.predict_proba(frame[columns]))[:, -1]
        return np.asarray(model.predict(frame[columns]), dtype=np.float64)
    except (ValueError, TypeError) as error:
        raise DataError(f"the model cannot score {label}: {error}") from error


def scores_from_frame(frame: pd.DataFrame, label: str) -> Any:
    """Scores from a file's frame: its only column, or its `score` / `prediction` column."""
    import pandas as pd

    if len(frame.columns) == 1:
        column = frame.columns[0]
    else:
        found = [name for name in SCORE_COLUMNS if name in frame.columns]
        if not found:
            raise DataError(
                f"{label} has several columns and none named {' or '.join(SCORE_COLUMNS)}",
                hint="Write the scores as a single column, or name the column `score`.",
            )
        column = found[0]
    if not pd.api.types.is_numeric_dtype(frame[column]):
        raise DataError(f"{label}: the scores in column `{column}` are not numbers")
    return frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
