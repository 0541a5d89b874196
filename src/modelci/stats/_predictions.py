"""Per-row predictions (row id, 0/1 label, score of class 1), read from CSV or Parquet bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from modelci.errors import DataError


@dataclass(frozen=True)
class Predictions:
    ids: npt.NDArray[np.generic]  # unique per row; the same id means the same example
    labels: npt.NDArray[np.int8]  # 0 or 1
    scores: npt.NDArray[np.float64]  # probability of class 1 (any monotone score will do)

    def __post_init__(self) -> None:
        if not len(self.ids) == len(self.labels) == len(self.scores):
            raise ValueError("ids, labels and scores must have one value per row each")

    def __len__(self) -> int:
        return len(self.ids)

    def aligned_to(self, other: Predictions) -> Predictions:
        """These rows in `other`'s row order (both must hold the same ids)."""
        order = np.argsort(self.ids, kind="stable")
        where = order[np.searchsorted(self.ids, other.ids, sorter=order)]
        return Predictions(self.ids[where], self.labels[where], self.scores[where])


def pairing(head: Predictions, base: Predictions) -> str | None:
    """None when head and base scored the same rows (a paired comparison), else why not."""
    shared, head_at, base_at = np.intersect1d(
        head.ids, base.ids, assume_unique=True, return_indices=True
    )
    if len(shared) != len(head) or len(shared) != len(base):
        return (
            f"the base's predictions cover other rows ({len(shared):,} row ids shared; "
            f"head {len(head):,} rows, base {len(base):,})"
        )
    differing = int(np.count_nonzero(head.labels[head_at] != base.labels[base_at]))
    if differing:
        return f"the same row ids carry other labels on the base ({differing:,} rows)"
    return None


def read_predictions(
    data: bytes, path: str, *, id_column: str, label_column: str, score_column: str
) -> Predictions:
    """Parse a predictions file; DataError says what is wrong with it, and where."""
    import pandas as pd

    suffix = path.rsplit(".", 1)[-1].lower()
    try:
        if suffix in ("parquet", "pq"):
            frame = pd.read_parquet(io.BytesIO(data))
        elif suffix == "csv":
            frame = pd.read_csv(io.BytesIO(data))
        else:
            raise DataError(
                f"{path}: predictions must be CSV or Parquet (.csv, .parquet), not .{suffix}",
                file=path,
            )
    except (ValueError, OSError, pd.errors.ParserError) as error:
        raise DataError(f"{path}: could not be read: {error}", file=path) from error

    columns = {"id": id_column, "label": label_column, "score": score_column}
    missing = [name for name in columns.values() if name not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: no column {', '.join(f'`{m}`' for m in missing)} "
            f"(columns: {', '.join(map(str, frame.columns))})",
            file=path,
            hint="name the columns in `modelci.predictions` (id, label, score)",
        )
    if frame.empty:
        raise DataError(f"{path}: holds no rows", file=path)
    ids = frame[id_column].to_numpy()
    if frame[id_column].isna().any() or frame[id_column].duplicated().any():
        duplicated = int(frame[id_column].duplicated().sum())
        raise DataError(
            f"{path}: column `{id_column}` must identify each row once "
            f"({duplicated:,} repeated, {int(frame[id_column].isna().sum()):,} empty)",
            file=path,
            hint="write a stable row id (one that survives re-splitting) beside each prediction",
        )
    labels = pd.to_numeric(frame[label_column], errors="coerce")
    if not labels.isin([0, 1]).all():
        bad = frame[label_column][~labels.isin([0, 1])].iloc[0]
        raise DataError(f"{path}: column `{label_column}` must hold 0 or 1, found {bad}")
    scores = pd.to_numeric(frame[score_column], errors="coerce").to_numpy(dtype=np.float64)
    if not np.isfinite(scores).all():
        count = int((~np.isfinite(scores)).sum())
        raise DataError(f"{path}: column `{score_column}` has {count:,} missing or non-numeric")
    return Predictions(ids=ids, labels=labels.to_numpy(dtype=np.int8), scores=scores)
