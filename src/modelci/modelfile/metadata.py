"""The metadata a training run writes beside its model file (models/model.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from modelci.errors import ModelFileError

Format = Literal["skops", "pickle", "joblib"]
FORMATS: tuple[Format, ...] = ("skops", "pickle", "joblib")
_SUFFIX_FORMATS: dict[str, Format] = {
    ".skops": "skops",
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".joblib": "joblib",
}
DEFAULT_METADATA = Path("models/model.json")


@dataclass(frozen=True)
class ModelMetadata:
    """What training recorded: the file, its hash and format, and what it needs to load and run."""

    path: Path  # the model file, resolved against the metadata's folder
    sha256: str
    format: Format
    trusted_types: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    label: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def read_metadata(metadata_path: Path, model_path: Path | None = None) -> ModelMetadata:
    """Read and check a model's metadata file; every problem is a ModelFileError naming the file.

    `model_path` names the model file when the caller knows it (a command-line option); otherwise
    the metadata's `model_file`, relative to the metadata's folder, does."""
    try:
        raw = json.loads(metadata_path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ModelFileError(
            "the model's metadata file does not exist",
            file=str(metadata_path),
            hint="Run the training stage (`dvc repro`), or name the metadata in `modelci.model`.",
        ) from error
    except (OSError, ValueError) as error:
        raise ModelFileError(
            f"cannot read the model's metadata: {error}", file=str(metadata_path)
        ) from error
    if not isinstance(raw, dict):
        raise ModelFileError("the model's metadata is not a JSON object", file=str(metadata_path))
    model_file = raw.get("model_file")
    sha256 = raw.get("sha256")
    if model_path is None and (not isinstance(model_file, str) or not model_file):
        raise ModelFileError("the model's metadata names no `model_file`", file=str(metadata_path))
    if not isinstance(sha256, str) or len(sha256) != 64:
        raise ModelFileError(
            "the model's metadata records no SHA-256 (`sha256`): refusing an unverifiable model",
            file=str(metadata_path),
            hint="Record hashlib.sha256(model bytes).hexdigest() as `sha256` when training.",
        )
    path = model_path or metadata_path.parent / str(model_file)
    return ModelMetadata(
        path=path,
        sha256=sha256.lower(),
        format=_format_of(raw.get("format"), path, metadata_path),
        trusted_types=tuple(str(name) for name in raw.get("trusted_types") or ()),
        features=tuple(str(name) for name in raw.get("features") or ()),
        label=str(raw["label"]) if raw.get("label") else None,
        raw=raw,
    )


def _format_of(declared: object, path: Path, metadata_path: Path) -> Format:
    if declared is None:
        guessed = _SUFFIX_FORMATS.get(path.suffix.lower())
        if guessed is None:
            raise ModelFileError(
                f"cannot tell the format of {path.name} from its name",
                file=str(metadata_path),
                hint=f"Record `format` in the metadata: one of {', '.join(FORMATS)}.",
            )
        return guessed
    if declared not in FORMATS:
        raise ModelFileError(
            f"unknown model format {declared!r}",
            file=str(metadata_path),
            hint=f"`format` is one of {', '.join(FORMATS)}.",
        )
    return declared
