"""Metrics per slice for a check: read both sides' predictions and test data, then slice.

The predictions are read as the intervals read them (the base's from git: they are committed).
The test data is usually a DVC-cached stage output, which a CI checkout of the base does not
have. So the base's rows are sliced by the first of: the head's test data when dvc.lock records
the same hash for it on both sides (the same bytes); the base's own file (git, or the DVC
cache); else the head's test data, joined on the row id, which names the same example in any
split (the report says so).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from modelci.adapters import dvc, git
from modelci.config import Config, PredictionsConfig, SlicesConfig
from modelci.drift.data import DataSource, read_frame
from modelci.errors import DataError
from modelci.operations.intervals import _read_base, _read_head
from modelci.report.model import Report
from modelci.slices import SlicesResult

if TYPE_CHECKING:
    import pandas as pd

    from modelci.stats import Predictions

LOCK = "dvc.lock"


def slices_for(config: Config, root: Path, report: Report) -> SlicesResult:
    """`report`'s slices. Needs `modelci.slices` and `modelci.predictions` (the loader says so)."""
    from modelci import slices

    settings, predictions = config.slices, config.predictions
    assert settings is not None and predictions is not None  # the loader requires both
    head = _parse(_read_head(root, predictions), predictions)
    base_bytes, _ = _read_base(root, predictions, report)  # the intervals warn about a problem
    base = None
    if base_bytes is not None:
        # Unreadable on the base: the intervals step has warned, the slices are the head's alone.
        with contextlib.suppress(DataError):
            base = _parse(base_bytes, predictions)
    head_data = read_frame(DataSource(str(root / settings.data)), root=root)
    notes: list[str] = []
    base_data, label = None, None
    if base is not None and report.base is not None and report.base.sha:
        base_data, label = _base_data(root, settings, report.base.sha, head_data, notes)
    elif report.base is not None:
        notes.append(
            f"the base's predictions {predictions.path} could not be read: "
            "slices of the head only, no change and no regression gate"
        )
    inputs = slices.SliceInputs(
        head=head,
        head_data=head_data,
        base=base,
        base_data=base_data,
        base_data_label=label,
        notes=tuple(notes),
    )
    return slices.evaluate_slices(
        settings,
        inputs,
        id_column=settings.id or predictions.id,
        threshold=predictions.threshold,
        intervals=config.intervals,
    )


def _parse(data: bytes, predictions: PredictionsConfig) -> Predictions:
    from modelci import stats

    return stats.read_predictions(
        data,
        predictions.path,
        id_column=predictions.id,
        label_column=predictions.label,
        score_column=predictions.score,
    )


def _base_data(
    root: Path, settings: SlicesConfig, base_sha: str, head_data: pd.DataFrame, notes: list[str]
) -> tuple[pd.DataFrame, str]:
    """The frame the base's rows are sliced by, and where it came from."""
    path = settings.data
    head_hash = dvc.locked_hash(_text(root / LOCK), path)
    if head_hash is not None and head_hash == dvc.locked_hash(
        git.show_file(root, base_sha, LOCK), path
    ):
        return head_data, f"the head's {path}: the same file on both sides (dvc.lock)"
    try:
        frame = read_frame(DataSource(str(root / path), rev=base_sha), root=root)
    except DataError as error:
        notes.append(
            f"the base's {path} is not available ({error.message}): the base's predictions are "
            f"sliced by the head's {path}, joined on the row id (a row keeps its id in any split)"
        )
        return head_data, f"the head's {path}, joined on the row id (the base's is not available)"
    return frame, f"the base's own {path}"


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
