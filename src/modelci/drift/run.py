"""The whole `modelci drift` run as one function: read both data sets (the reference possibly at a
git revision), validate the current data against its schema, score both with the model when asked,
then detect drift. Returns the DriftReport; never prints.

Where the reference comes from, in order: `reference` (a path, read at `reference_rev` when given),
else the current data's path at `reference_rev`. A registry of model versions will add a third
default later: the data behind the version in the `production` stage.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci.drift.config import load_drift_config
from modelci.drift.data import DataSource, read_frame, repository_root
from modelci.drift.detect import DriftReport, detect_drift
from modelci.errors import DataError, UsageError


@dataclass(frozen=True)
class DriftRequest:
    current: str
    reference: str | None = None
    reference_rev: str | None = None
    schema: str | None = None  # Pandera spec; default: modelci.data's entry for the current path
    params_file: Path = Path("params.yaml")
    model: Path | None = None
    model_metadata: Path | None = None  # default: model.json beside the model
    reference_scores: str | None = None
    current_scores: str | None = None


def reference_source(request: DriftRequest) -> DataSource:
    if request.reference is None and request.reference_rev is None:
        raise UsageError(
            "no reference data: give --reference PATH, or --reference-rev REV to compare with "
            "the current file as committed at REV",
            hint="Example: modelci drift --current data/transactions.csv --reference-rev HEAD~1",
        )
    return DataSource(request.reference or request.current, request.reference_rev)


def run_drift(request: DriftRequest, *, cwd: Path) -> DriftReport:
    if request.model is not None and request.reference_scores is not None:
        raise UsageError("give either --model or --reference-scores/--current-scores, not both")
    if (request.reference_scores is None) != (request.current_scores is None):
        raise UsageError("--reference-scores and --current-scores go together")
    config, schemas = load_drift_config(request.params_file)
    reference = reference_source(request)
    current = DataSource(request.current)
    by_path = {os.path.normpath(path): spec for path, spec in schemas.items()}
    _validate(current, request.schema or by_path.get(os.path.normpath(request.current)), cwd)
    root = repository_root(cwd) if reference.rev else cwd
    reference_frame = read_frame(reference, root=root)
    current_frame = read_frame(current, root=root)
    scores: tuple[Any, Any] = (None, None)
    if request.model is not None:
        scores = _model_scores(request, reference_frame, current_frame, reference, current)
    elif request.reference_scores and request.current_scores:
        scores = _score_files(request.reference_scores, request.current_scores, root)
    return detect_drift(
        reference_frame,
        current_frame,
        config,
        reference_label=reference.label,
        current_label=current.label,
        reference_scores=scores[0],
        current_scores=scores[1],
    )


def _validate(current: DataSource, schema: str | None, cwd: Path) -> None:
    """Data that breaks its schema is an error (exit 4) naming the failures, never 'no drift'."""
    if schema is None:
        return
    from modelci.validation import load_schema, validate_file

    result = validate_file(cwd / current.path, load_schema(schema, base_dir=cwd), name=current.path)
    if result.valid:
        return
    failures = "; ".join(f"`{f.column}` {f.check}: {f.count} row(s)" for f in result.failures[:10])
    more = len(result.failures) - 10
    raise DataError(
        f"{current.path} fails its schema {schema}: {failures}"
        + (f"; and {more} more" if more > 0 else ""),
        file=current.path,
        hint=f"See every failure with `modelci validate {current.path} --schema {schema}`.",
    )


def _model_scores(
    request: DriftRequest,
    reference_frame: Any,
    current_frame: Any,
    reference: DataSource,
    current: DataSource,
) -> tuple[Any, Any]:
    from modelci.drift.scores import model_scores
    from modelci.modelfile import load_recorded, read_metadata

    assert request.model is not None
    metadata_path = request.model_metadata or request.model.with_name("model.json")
    # The file named on the command line, checked against the hash its metadata records.
    loaded = load_recorded(read_metadata(metadata_path, model_path=request.model))
    return (
        model_scores(loaded.model, loaded.features, reference_frame, reference.label),
        model_scores(loaded.model, loaded.features, current_frame, current.label),
    )


def _score_files(reference: str, current: str, root: Path) -> tuple[Any, Any]:
    from modelci.drift.scores import scores_from_frame

    return tuple(
        scores_from_frame(read_frame(DataSource(path), root=root), path)
        for path in (reference, current)
    )
