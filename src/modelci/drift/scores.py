"""The model's scores for prediction drift: from score files, or from a verified model file
(loaded through modelci.modelfile, which checks the SHA-256 recorded at training first)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from modelci.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

SCORE_COLUMNS = ("score", "prediction")


def model_scores(model: Any, features: list[str], frame: pd.DataFrame, label: str) -> Any:
    """The model's scores on `frame`: the positive class's probability, or its predictions."""
    columns = features or list(frame.columns)
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
