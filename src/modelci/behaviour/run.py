"""Run the configured behaviour checks against the model the pipeline trained.

The model is found through its metadata and loaded by modelci.modelfile, which checks the SHA-256
recorded at training before deserialising a byte (skops files load only their trusted types).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from modelci.behaviour import checks
from modelci.behaviour.results import BehaviourResult, CheckResult
from modelci.config.behaviour import BehaviourConfig, CasesCheck
from modelci.errors import ConfigError, ConfigProblem, DataError, ModelFileError

if TYPE_CHECKING:
    import pandas as pd

    from modelci.modelfile import LoadedModel

KEY = "modelci.behaviour"
MODEL_PACKAGES = ("sklearn", "skops")


def require_model_extra(packages: tuple[str, ...] = MODEL_PACKAGES) -> None:
    """ConfigError unless the packages that load the model are installed (the `model` extra)."""
    missing = [name for name in packages if not _installed(name)]
    if missing:
        names = {"sklearn": "scikit-learn"}
        raise ConfigError(
            "behaviour checks load the trained model, which needs "
            f"{' and '.join(names.get(name, name) for name in missing)}, not installed here",
            key=KEY,
            hint="Install modelci with the model extra: pip install 'modelci[model]' "
            "(or remove `modelci.behaviour`).",
        )


def run_behaviour(
    config: BehaviourConfig, root: Path, *, threshold: float = 0.5
) -> BehaviourResult:
    """Every check in `config`, against the workspace model; the checks' own threshold wins over
    `threshold` (the predictions' one)."""
    from modelci.modelfile import load_workspace_model

    require_model_extra()
    loaded = load_workspace_model(root, Path(config.model))
    features = _features(loaded, config)
    threshold = config.threshold if config.threshold is not None else threshold

    def score(frame: pd.DataFrame, label: str) -> Any:
        from modelci.drift.scores import model_scores

        return np.asarray(model_scores(loaded.model, features, frame, label), dtype=np.float64)

    results: list[CheckResult] = []
    if config.data is not None and (config.invariance or config.directional):
        rows = _rows(config, root, config.data)
        scorer = _scorer(score, config.data)
        sample, seed, cap = config.sample, config.seed, config.max_examples
        results += [
            checks.invariance(check, rows, scorer, sample=sample, seed=seed, cap=cap)
            for check in config.invariance
        ]
        results += [
            checks.directional(check, rows, scorer, sample=sample, seed=seed, cap=cap)
            for check in config.directional
        ]
    for case in config.cases:
        results.append(_cases(case, config, root, loaded, score, threshold))
    return BehaviourResult(
        model=_shown_path(loaded.metadata.path, root),
        data=config.data,
        checks=tuple(results),
        sample=config.sample,
        seed=config.seed,
        threshold=threshold,
        warnings=loaded.warnings,
    )


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent that fails to import, a module without a spec
        return False


def _features(loaded: LoadedModel, config: BehaviourConfig) -> list[str]:
    features = loaded.features
    if not features:
        raise ModelFileError(
            "the model's metadata lists no `features`, so behaviour checks cannot tell which "
            "columns the model reads",
            file=str(Path(config.model)),
            hint="Record the feature columns as `features` when training.",
        )
    problems = [
        ConfigProblem(
            f"`{check.column}` is not one of the model's features ({', '.join(features)})",
            key=f"{KEY}.{kind}[{index}].column",
            hint="Name a feature column the model was trained on.",
        )
        for kind in ("invariance", "directional")
        for index, check in enumerate(getattr(config, kind))
        if check.column not in features
    ]
    if problems:
        raise ConfigError.of(problems)
    return features


def _scorer(score: Any, label: str) -> checks.Scorer:
    return lambda frame: score(frame, label)


def _read(root: Path, path: str) -> pd.DataFrame:
    from modelci.drift.data import DataSource, read_frame

    return read_frame(DataSource(str(root / path)), root=root)


def _ids(frame: pd.DataFrame, column: str | None, path: str) -> Any:
    if column is None:
        return np.arange(len(frame))
    if column not in frame.columns:
        raise DataError(
            f"{path} has no row id column `{column}`",
            file=path,
            hint="Name the id column the file holds, or drop `id` to show row positions.",
        )
    return frame[column].to_numpy()


def _rows(config: BehaviourConfig, root: Path, path: str) -> checks.Rows:
    frame = _read(root, path)
    if frame.empty:
        raise DataError(f"{path} holds no rows to change", file=path)
    return checks.Rows(frame=frame, ids=_ids(frame, config.id, path))


def _cases(
    case: CasesCheck,
    config: BehaviourConfig,
    root: Path,
    loaded: LoadedModel,
    score: Any,
    threshold: float,
) -> CheckResult:
    frame = _read(root, case.path)
    label = case.label or loaded.label or "label"
    if label not in frame.columns:
        raise DataError(
            f"{case.path} has no label column `{label}`",
            file=case.path,
            hint="Add the expected label of each row, or name its column in `label`.",
        )
    labels = frame[label].to_numpy()
    if frame.empty:
        return CheckResult(
            kind="cases",
            name=case.name or case.path,
            rule="each row classified as labelled",
            rows=0,
            failures=0,
            worst=None,
            note=f"{case.path} holds no cases: nothing was tested",
        )
    if not np.isin(labels, (0, 1)).all():
        bad = labels[~np.isin(labels, (0, 1))][0]
        bad = bad.item() if isinstance(bad, np.generic) else bad  # `2`, not `np.int64(2)`
        raise DataError(
            f"{case.path}: column `{label}` must hold 0 or 1, found {bad!r}", file=case.path
        )
    id_column = case.id or (config.id if config.id in frame.columns else None)
    ids = _ids(frame, id_column, case.path)
    return checks.cases(
        case,
        frame,
        ids,
        labels.astype(np.int64),
        _scorer(score, case.path),
        threshold=threshold,
        cap=config.max_examples,
    )


def _shown_path(path: Path, root: Path) -> str:
    resolved, base = path.resolve(), root.resolve()
    return resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else str(path)
