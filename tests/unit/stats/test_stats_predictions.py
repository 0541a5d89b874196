"""Reading predictions files: CSV and Parquet, and what a broken file is told."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from modelci.errors import DataError, ExitCode
from modelci.stats import read_predictions

COLUMNS = {"id_column": "row_id", "label_column": "label", "score_column": "score"}
FRAME = pd.DataFrame({"row_id": [3, 1, 2], "label": [1, 0, 0], "score": [0.9, 0.2, 0.6]})


def csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def test_csv_and_parquet_read_alike() -> None:
    buffer = io.BytesIO()
    FRAME.to_parquet(buffer, index=False)
    for data, path in ((csv(FRAME), "p.csv"), (buffer.getvalue(), "eval/p.parquet")):
        p = read_predictions(data, path, **COLUMNS)
        assert p.ids.tolist() == [3, 1, 2]
        assert p.labels.tolist() == [1, 0, 0]
        assert p.scores.tolist() == [0.9, 0.2, 0.6]


def test_configured_column_names() -> None:
    renamed = FRAME.rename(columns={"row_id": "transaction_id", "label": "is_fraud", "score": "p"})
    p = read_predictions(
        csv(renamed), "p.csv", id_column="transaction_id", label_column="is_fraud", score_column="p"
    )
    assert p.scores.tolist() == [0.9, 0.2, 0.6]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (FRAME.drop(columns="score"), "p.csv: no column `score` (columns: row_id, label)"),
        (
            FRAME.assign(row_id=[1, 1, 2]),
            "p.csv: column `row_id` must identify each row once (1 repeated, 0 empty)",
        ),
        (FRAME.assign(label=[1, 2, 0]), "p.csv: column `label` must hold 0 or 1, found 2"),
        (
            FRAME.assign(score=[0.1, None, 0.3]),
            "p.csv: column `score` has 1 missing or non-numeric",
        ),
        (FRAME.iloc[:0], "p.csv: holds no rows"),
    ],
)
def test_broken_files_say_what_is_wrong(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(DataError) as caught:
        read_predictions(csv(frame), "p.csv", **COLUMNS)
    assert caught.value.message == message
    assert caught.value.exit_code == ExitCode.VALIDATION_FAILED


def test_other_formats_and_unreadable_bytes() -> None:
    with pytest.raises(
        DataError, match=r"predictions must be CSV or Parquet \(.csv, .parquet\), not .json"
    ):
        read_predictions(b"{}", "p.json", **COLUMNS)
    with pytest.raises(DataError, match=r"p\.parquet: could not be read"):
        read_predictions(b"not parquet", "p.parquet", **COLUMNS)


def test_labels_may_be_booleans() -> None:
    p = read_predictions(csv(FRAME.assign(label=[True, False, False])), "p.csv", **COLUMNS)
    assert p.labels.dtype == np.int8
    assert p.labels.tolist() == [1, 0, 0]
