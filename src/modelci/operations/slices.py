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
import hashlib
import json
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from modelci import __version__
from modelci.adapters import dvc, git
from modelci.config import Config, PredictionsConfig, SlicesConfig
from modelci.drift.data import DataSource, read_frame
from modelci.errors import DataError
from modelci.files import write_text_atomic
from modelci.operations.intervals import _read_base, _read_head
from modelci.report.model import Report
from modelci.slices import SlicesResult

if TYPE_CHECKING:
    import pandas as pd

    from modelci.stats import Predictions

LOCK = "dvc.lock"
CACHE = Path(".dvc/tmp/modelci/slices")
_FORMAT = 1  # bump when the remembered shape changes


def slices_for(config: Config, root: Path, report: Report) -> SlicesResult:
    """`report`'s slices. Needs `modelci.slices` and `modelci.predictions` (the loader says so).

    Remembered by content when the base's rows are sliced by the head's own test data (no base,
    or the same file on both sides): the common check in which nothing changed imports neither
    pandas nor numpy for them.
    """
    settings, predictions = config.slices, config.predictions
    assert settings is not None and predictions is not None  # the loader requires both
    head_bytes = _read_head(root, predictions)
    base_bytes, _ = _read_base(root, predictions, report)  # the intervals warn about a problem
    base_sha = report.base.sha if report.base else None
    same = base_sha is not None and _same_file(root, settings.data, base_sha)
    data_bytes = _bytes(root / settings.data)
    entry = None
    if data_bytes is not None and (base_bytes is None or same):
        parts = (config, report.base is not None, same, head_bytes, base_bytes, data_bytes)
        entry = root / CACHE / f"{_key(*parts)}.json"
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
            remembered = SlicesResult.from_dict(json.loads(entry.read_text(encoding="utf-8")))
            return _with_lines(remembered, settings)
    result = _compute(config, root, report, head_bytes, base_bytes, same)
    if entry is not None:
        with contextlib.suppress(OSError):  # a read-only workspace computes; it only forgets
            write_text_atomic(entry, json.dumps(result.to_dict()))
    return result


def _with_lines(result: SlicesResult, settings: SlicesConfig) -> SlicesResult:
    """The gates' lines in params.yaml (not remembered: the file may have moved them)."""
    lines: dict[str, int | None] = {gate.metric: gate.line for gate in settings.gates}
    return replace(
        result,
        slices=tuple(
            replace(item, gates=tuple(replace(g, line=lines.get(g.metric)) for g in item.gates))
            for item in result.slices
        ),
    )


def _compute(
    config: Config,
    root: Path,
    report: Report,
    head_bytes: bytes,
    base_bytes: bytes | None,
    same: bool,
) -> SlicesResult:
    from modelci import slices

    settings, predictions = config.slices, config.predictions
    assert settings is not None and predictions is not None
    head = _parse(head_bytes, predictions)
    base = None
    if base_bytes is not None:
        # Unreadable on the base: the intervals step has warned, the slices are the head's alone.
        with contextlib.suppress(DataError):
            base = _parse(base_bytes, predictions)
    head_data = read_frame(DataSource(str(root / settings.data)), root=root)
    notes: list[str] = []
    base_data, label = None, None
    if base is not None and report.base is not None and report.base.sha:
        if same:
            base_data = head_data
            label = f"the head's {settings.data}: the same file on both sides (dvc.lock)"
        else:
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


def _key(
    config: Config,
    has_base: bool,
    same: bool,
    head: bytes,
    base: bytes | None,
    data: bytes,
) -> str:
    digest = hashlib.sha256()
    settings = [
        model.model_dump_json() if model is not None else "none"
        for model in (config.slices, config.predictions, config.intervals)
    ]
    versions = [metadata.version(name) for name in ("numpy", "pandas")]
    for part in (_FORMAT, __version__, *versions, *settings, has_base, same):
        digest.update(f"{part}\0".encode())
    for blob in (head, base, data):
        digest.update(hashlib.sha256(blob).digest() if blob is not None else b"none")
    return digest.hexdigest()


def _same_file(root: Path, path: str, base_sha: str) -> bool:
    """dvc.lock records the same hash for `path` on the head and at the base: the same bytes."""
    head_hash = dvc.locked_hash(_text(root / LOCK), path)
    return head_hash is not None and head_hash == dvc.locked_hash(
        git.show_file(root, base_sha, LOCK), path
    )


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None  # not remembered; reading it again says what is wrong


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
    """The frame the base's rows are sliced by when the file differs, and where it came from."""
    path = settings.data
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
