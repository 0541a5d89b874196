"""Build a model card from what the registered commit holds and what its check found.

Everything comes from the commit itself (git), not the workspace, so a card says what the tag
points at: dvc.lock's hashes and params, the Pandera schemas, the training metadata beside the
model file (`models/model.skops` -> `models/model.json`: its SHA-256, format, trusted types and the
training environment). Metrics, intervals and gate verdicts come from the check's report.json
data for that commit.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from modelci import __version__
from modelci.adapters import git
from modelci.errors import ConfigError, ModelFileError, RegistryError
from modelci.registry.card import (
    CheckInfo,
    DataSchema,
    Environment,
    Gate,
    GitInfo,
    Interval,
    LockedFile,
    Metric,
    ModelCard,
    ModelFile,
    Revision,
    utc_now,
)
from modelci.yamlfile import parse_yaml

if TYPE_CHECKING:
    from pathlib import Path

    from modelci.adapters.dvc import ArtifactDeclaration
    from modelci.config import DatasetConfig
    from modelci.modelfile import ModelMetadata

# Formats whose loading runs code from the file: served after the hash check, with a warning.
UNSAFE_FORMATS = ("pickle", "joblib")


def build_card(
    *,
    root: Path,
    artifact: ArtifactDeclaration,
    version: str,
    tag: str,
    commit: str,
    report: Mapping[str, Any],
    source: Literal["report", "run"],
    datasets: Sequence[DatasetConfig],
) -> ModelCard:
    warnings: list[str] = []
    lock = _dvc_lock(root, commit)
    files = _locked_files(lock)
    model_entry = files.pop(artifact.path, None)
    if model_entry is None:
        raise RegistryError(
            f"dvc.lock at {commit[:12]} has no output `{artifact.path}` (the path of artifact "
            f"`{artifact.name}` in dvc.yaml)",
            hint="point the artifact's `path:` at the file a stage writes, run `dvc repro` and "
            "commit dvc.lock",
        )
    metadata_path, metadata = _metadata(root, commit, artifact.path)
    if metadata is None:
        warnings.append(
            f"no training metadata {metadata_path} beside the model: no SHA-256, format or "
            "training environment recorded"
        )
    model = _model_file(artifact, model_entry, metadata_path if metadata else None, metadata)
    if model.format in UNSAFE_FORMATS:
        warnings.append(
            f"the model file is {model.format}: loading it can run code from the file; it is "
            "loaded only after its SHA-256 matches"
        )
    environment = _environment(metadata.raw.get("environment") if metadata else None)
    if metadata is not None and environment is None:
        warnings.append(f"{metadata_path} records no training environment")
    return ModelCard(
        name=artifact.name,
        version=version,
        created_at=utc_now(),
        registration_id=uuid.uuid4().hex,
        modelci_version=__version__,
        git=GitInfo(commit=commit, subject=git.resolve(root, commit).subject, tag=tag),
        model=model,
        dependencies=sorted(files.values(), key=lambda f: f.path),
        params=_params(lock),
        metrics=_metrics(report),
        gates=[_gate(gate) for gate in report.get("gates") or []],
        check=CheckInfo(
            verdict="pass",
            summary=str(report.get("summary", "")),
            base=_revision(report.get("base")),
            source=source,
        ),
        schemas=[_schema(root, commit, dataset) for dataset in datasets],
        environment=environment,
        warnings=warnings,
    )


def _dvc_lock(root: Path, commit: str) -> Mapping[str, Any]:
    text = git.show_file(root, commit, "dvc.lock")
    if text is None:
        raise RegistryError(
            f"the commit {commit[:12]} has no dvc.lock: the model's lineage is unknown",
            hint="run `dvc repro`, commit dvc.lock and the pipeline's outputs, then register",
        )
    data = parse_yaml(text, shown=f"dvc.lock at {commit[:12]}").data
    if not isinstance(data, Mapping) or not isinstance(data.get("stages"), Mapping):
        raise ConfigError(f"dvc.lock at {commit[:12]} has no `stages:`", file="dvc.lock")
    return data


def _locked_files(lock: Mapping[str, Any]) -> dict[str, LockedFile]:
    """Each dependency and output of every stage, once, with who writes and who reads it."""
    seen: dict[str, dict[str, Any]] = {}
    for stage, entry in lock["stages"].items():
        for kind in ("deps", "outs"):
            for item in (entry or {}).get(kind) or []:
                path = str(item.get("path"))
                record = seen.setdefault(path, {"path": path, "used_by": []})
                record.update(
                    md5=item.get("md5", record.get("md5")),
                    size=item.get("size", record.get("size")),
                    nfiles=item.get("nfiles", record.get("nfiles")),
                )
                if kind == "outs":
                    record["produced_by"] = str(stage)
                else:
                    record["used_by"].append(str(stage))
    return {path: LockedFile.model_validate(record) for path, record in seen.items()}


def _params(lock: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, dict[str, Any]] = {}
    for entry in lock["stages"].values():
        for file, values in ((entry or {}).get("params") or {}).items():
            merged.setdefault(str(file), {}).update(values or {})
    return merged


def _metadata(root: Path, commit: str, model_path: str) -> tuple[str, ModelMetadata | None]:
    """The training metadata JSON beside the model file (same stem), at the commit, read and
    checked by `modelci.modelfile` (a metadata file without a SHA-256 is refused: exit 7)."""
    import tempfile
    from pathlib import Path as LocalPath

    from modelci.modelfile import read_metadata

    path = str(PurePosixPath(model_path).with_suffix(".json"))
    text = git.show_file(root, commit, path)
    if text is None:
        return path, None
    with tempfile.TemporaryDirectory(prefix="modelci-card-") as folder:
        copy = LocalPath(folder) / PurePosixPath(path).name
        copy.write_text(text, encoding="utf-8")
        try:
            metadata = read_metadata(copy, LocalPath(folder) / PurePosixPath(model_path).name)
        except ModelFileError as error:  # named as committed, not as the temporary copy
            message = error.message.removeprefix(f"{error.file}: ")
            raise ModelFileError(
                message, file=f"{path} at {commit[:12]}", hint=error.hint
            ) from None
    return path, metadata


def _model_file(
    artifact: ArtifactDeclaration,
    entry: LockedFile,
    metadata_path: str | None,
    metadata: ModelMetadata | None,
) -> ModelFile:
    return ModelFile(
        path=artifact.path,
        type=artifact.type,
        md5=entry.md5,
        size=entry.size,
        sha256=metadata.sha256 if metadata else None,
        format=metadata.format if metadata else None,
        trusted_types=list(metadata.trusted_types) if metadata else [],
        metadata=metadata_path,
        features=list(metadata.features) if metadata else [],
    )


def _environment(value: Any) -> Environment | None:
    if not isinstance(value, Mapping) or "python" not in value:
        return None
    return Environment.model_validate(
        {
            "python": str(value["python"]),
            "implementation": value.get("implementation"),
            "platform": value.get("platform"),
            "packages": {str(k): str(v) for k, v in (value.get("packages") or {}).items()},
        }
    )


def _metrics(report: Mapping[str, Any]) -> list[Metric]:
    intervals = {
        item["source"]: item["head"]
        for item in report.get("intervals") or []
        if item.get("head") is not None
    }
    metrics = []
    for change in report.get("metrics") or []:
        if change.get("status") == "removed":
            continue
        source = f"{change['file']}:{change['key']}"
        interval = intervals.get(source)
        metrics.append(
            Metric(
                source=source,
                file=change["file"],
                key=change["key"],
                value=change.get("head"),
                interval=Interval.model_validate(interval) if interval else None,
            )
        )
    return metrics


def _gate(gate: Mapping[str, Any]) -> Gate:
    return Gate.model_validate({key: gate[key] for key in Gate.model_fields if key in gate})


def _revision(value: Any) -> Revision | None:
    if not isinstance(value, Mapping):
        return None
    return Revision(ref=str(value.get("ref")), sha=value.get("sha"))


def _schema(root: Path, commit: str, dataset: DatasetConfig) -> DataSchema:
    spec = dataset.schema
    text = git.show_file(root, commit, spec) if spec.endswith((".yaml", ".yml")) else None
    if text is None:
        # A Python object (`module:attr`): its Pandera YAML, as the clean workspace loads it.
        from modelci.validation import load_schema

        text = str(load_schema(spec, base_dir=root).to_yaml())
    return DataSchema(
        dataset=dataset.name,
        path=dataset.path,
        spec=spec,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        content=text,
    )
