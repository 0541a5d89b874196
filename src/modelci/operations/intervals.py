"""Bootstrap intervals for a check, from the evaluate stage's per-row predictions.

The outcome (intervals and the warnings that explain them) is remembered by content in
`.dvc/tmp/modelci/intervals/`: the key hashes the head's and the base's predictions bytes, the
settings, the metrics they annotate and the versions of modelci and numpy, so a check in which
nothing changed reuses it instead of importing pandas and resampling again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci import __version__
from modelci.adapters import dvc, git
from modelci.config import IntervalsConfig, PredictionsConfig
from modelci.errors import DataError
from modelci.files import write_text_atomic
from modelci.metrics import Change
from modelci.metrics.diff import is_number
from modelci.report.model import Interval, MetricInterval, Report
from modelci.stats.intervals import METRIC_NAMES

if TYPE_CHECKING:
    from modelci import stats

_FORMAT = 1  # bump when the stored shape changes
CACHE = Path(".dvc/tmp/modelci/intervals")
# Metrics files round to 4 decimals: a larger gap means the predictions are not what the metrics
# were computed from (another threshold, another file).
_RECOMPUTE_TOLERANCE = 5e-4


def intervals_for(
    predictions: PredictionsConfig, settings: IntervalsConfig, root: Path, report: Report
) -> list[MetricInterval]:
    """`report`'s intervals (warnings go to `report.warnings`), from the cache when it has them."""
    head_data = _read_head(root, predictions)
    base_data, base_problem = _read_base(root, predictions, report)
    key = _key(predictions, settings, report, head_data, base_data)
    entry = root / CACHE / f"{key}.json"
    cached = _load(entry)
    if cached is not None:
        intervals, warnings = cached
        report.warnings.extend(warnings)
        return intervals
    before = len(report.warnings)
    if base_problem:
        report.warnings.append(base_problem)
    intervals = _compute(predictions, settings, report, head_data, base_data)
    with contextlib.suppress(OSError):  # a read-only workspace computes; it only does not remember
        payload = {
            "intervals": [interval.to_dict() for interval in intervals],
            "warnings": report.warnings[before:],
        }
        write_text_atomic(entry, json.dumps(payload))
    return intervals


def _read_head(root: Path, predictions: PredictionsConfig) -> bytes:
    try:
        return dvc.read_file(root, predictions.path)
    except FileNotFoundError:
        raise DataError(
            f"{predictions.path}: predictions file not found on the head",
            file=predictions.path,
            hint="does the evaluate stage write it? (`modelci.predictions.path` in params.yaml)",
        ) from None


def _read_base(
    root: Path, predictions: PredictionsConfig, report: Report
) -> tuple[bytes | None, str | None]:
    """The base's predictions bytes, or None and why."""
    base_sha = report.base.sha if report.base else None
    if base_sha is None:
        return None, None
    try:
        # Committed (`cache: false`) files come straight from git; opening DVC at the base
        # revision costs far more, so it is only the fallback for DVC-cached ones.
        data = git.show_bytes(root, base_sha, predictions.path)
        return (data if data is not None else dvc.read_file(root, predictions.path, base_sha)), None
    except (FileNotFoundError, DataError) as error:
        problem = "file not found" if isinstance(error, FileNotFoundError) else str(error)
        return None, _base_warning(predictions, problem)


def _base_warning(predictions: PredictionsConfig, problem: str) -> str:
    return (
        f"predictions {predictions.path} could not be read on the base ({problem}): "
        "intervals cover the head only, and significant gates judge the point change"
    )


def _key(
    predictions: PredictionsConfig,
    settings: IntervalsConfig,
    report: Report,
    head: bytes,
    base: bytes | None,
) -> str:
    digest = hashlib.sha256()
    metrics = sorted((c.name, repr(c.head)) for c in report.metrics)
    for part in (
        _FORMAT,
        __version__,
        metadata.version("numpy"),
        predictions.model_dump_json(),
        settings.model_dump_json(),
        json.dumps(metrics),
    ):
        digest.update(f"{part}\0".encode())
    digest.update(hashlib.sha256(head).digest())
    digest.update(hashlib.sha256(base).digest() if base is not None else b"no base")
    return digest.hexdigest()


def _interval(data: dict[str, Any] | None) -> Interval | None:
    return None if data is None else Interval(data["low"], data["high"], data["confidence"])


def _load(entry: Path) -> tuple[list[MetricInterval], list[str]] | None:
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
        intervals = []
        for item in data["intervals"]:
            head = _interval(item["head"])
            assert head is not None
            intervals.append(
                MetricInterval(
                    metric=item["metric"],
                    source=item["source"],
                    head=head,
                    base=_interval(item["base"]),
                    delta=_interval(item["delta"]),
                    paired=item["paired"],
                    resamples=item["resamples"],
                )
            )
        return intervals, [str(warning) for warning in data["warnings"]]
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        return None  # absent or unreadable: a miss


def _compute(
    predictions: PredictionsConfig,
    settings: IntervalsConfig,
    report: Report,
    head_data: bytes,
    base_data: bytes | None,
) -> list[MetricInterval]:
    """Bootstrap intervals for each metric the predictions can recompute, by `file:key`.

    A metric is recomputed for the metrics key of the same name (`f1`, `roc_auc`, ...) when
    exactly one metrics file holds it. The head's predictions must be readable (they are this
    change's output); the base's may be missing (older commits): the change then has no interval.
    """
    from modelci import stats  # numpy: only when predictions are configured

    targets = _recomputable(report)
    if not targets:
        report.warnings.append(
            f"no metric in the metrics files can be recomputed from {predictions.path} "
            f"(by key: {', '.join(METRIC_NAMES)}): no intervals"
        )
        return []
    columns = {
        "id_column": predictions.id,
        "label_column": predictions.label,
        "score_column": predictions.score,
    }
    head = stats.read_predictions(head_data, predictions.path, **columns)
    base = None
    if base_data is not None:
        try:
            base = stats.read_predictions(base_data, predictions.path, **columns)
        except DataError as error:
            report.warnings.append(_base_warning(predictions, str(error)))
    estimates = stats.bootstrap(
        head,
        base,
        tuple(targets),
        threshold=predictions.threshold,
        confidence=settings.confidence,
        resamples=settings.resamples,
        seed=settings.seed,
    )
    if estimates.unpaired_reason:
        report.warnings.append(f"intervals of the change are unpaired: {estimates.unpaired_reason}")
    intervals = []
    for estimate in estimates.metrics:
        change = targets[estimate.metric]
        _check_recomputed(report, change, estimate, predictions)
        if estimate.head is None:
            report.warnings.append(
                f"{change.name}: undefined on most resamples of {predictions.path} "
                "(one class only?): no interval"
            )
            continue
        intervals.append(
            MetricInterval(
                metric=estimate.metric,
                source=change.name,
                head=estimate.head,
                base=estimate.base,
                delta=estimate.delta,
                paired=estimate.paired if estimate.delta else None,
                resamples=estimates.resamples,
            )
        )
    return intervals


def _recomputable(report: Report) -> dict[str, Change]:
    found: dict[str, list[Change]] = {}
    for change in report.metrics:
        if change.key in METRIC_NAMES and change.in_head and is_number(change.head):
            found.setdefault(change.key, []).append(change)
    for key, changes in found.items():
        if len(changes) > 1:
            report.warnings.append(
                f"`{key}` is in several metrics files ({', '.join(c.file for c in changes)}): "
                "which one the predictions belong to is unknown, so it gets no interval"
            )
    return {key: changes[0] for key, changes in found.items() if len(changes) == 1}


def _check_recomputed(
    report: Report, change: Change, estimate: stats.MetricEstimate, predictions: PredictionsConfig
) -> None:
    sides = [("head", change.head, estimate.head_value)]
    if change.in_base and is_number(change.base) and estimate.base_value is not None:
        sides.append(("base", change.base, estimate.base_value))
    for side, written, recomputed in sides:
        if abs(float(written) - recomputed) > _RECOMPUTE_TOLERANCE:
            report.warnings.append(
                f"{change.name} is {float(written):g} on the {side}, but {recomputed:.4g} "
                f"recomputed from {predictions.path}: is `modelci.predictions.threshold` "
                "the one the evaluate stage uses?"
            )
