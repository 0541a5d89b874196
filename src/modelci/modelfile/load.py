"""Load a model file only after its bytes match the recorded SHA-256.

The hash is taken of the very bytes that are then deserialised, so the file cannot be swapped
between the check and the load. skops files are loaded with an explicit list of trusted types (the
metadata's `trusted_types`); a type outside it refuses the load and is named. Pickle and joblib run
code while loading: they are still served once the hash matches, with a warning that says so.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelci.errors import ModelFileError
from modelci.modelfile.metadata import DEFAULT_METADATA, Format, ModelMetadata, read_metadata

UNSAFE_FORMAT_WARNING = (
    "{path} is a {format} file: loading it can run any code it holds. Its SHA-256 matched the "
    "training record, so it was loaded; save models with skops (skops.io.dump) to remove this risk."
)


@dataclass(frozen=True)
class LoadedModel:
    """A model that passed its checks, with the metadata it was checked against."""

    model: Any
    metadata: ModelMetadata
    warnings: tuple[str, ...] = field(default=())

    @property
    def features(self) -> list[str]:
        return list(self.metadata.features)

    @property
    def label(self) -> str | None:
        return self.metadata.label


def load_verified(
    path: Path, *, sha256: str, format: Format, trusted_types: tuple[str, ...] = ()
) -> tuple[Any, tuple[str, ...]]:
    """(model, warnings) once `path`'s SHA-256 equals `sha256`; ModelFileError otherwise."""
    try:
        blob = path.read_bytes()
    except OSError as error:
        raise ModelFileError(
            f"cannot read the model file: {error.strerror or error}",
            file=str(path),
            hint="Run the training stage (`dvc repro`, or `dvc pull` for a cached model).",
        ) from error
    actual = hashlib.sha256(blob).hexdigest()
    if not hmac.compare_digest(actual, sha256.lower()):
        raise ModelFileError(
            f"SHA-256 is {actual}, but training recorded {sha256}: the file was changed or "
            "replaced since, so it is not loaded",
            file=str(path),
            hint="Rebuild the model (`dvc repro`), or restore the file training wrote.",
        )
    if format == "skops":
        return _load_skops(blob, path, trusted_types), ()
    warning = UNSAFE_FORMAT_WARNING.format(path=path, format=format)
    if format == "joblib":
        import joblib

        return joblib.load(io.BytesIO(blob)), (warning,)
    return pickle.loads(blob), (warning,)  # noqa: S301 - the bytes' hash was verified above


def load_workspace_model(root: Path = Path(), metadata: Path | None = None) -> LoadedModel:
    """The model the pipeline left in the workspace, through its metadata (default
    models/model.json), hash-verified and loaded."""
    return load_recorded(read_metadata(root / (metadata or DEFAULT_METADATA)))


def load_recorded(record: ModelMetadata) -> LoadedModel:
    """Load the model a metadata record describes."""
    model, warnings = load_verified(
        record.path, sha256=record.sha256, format=record.format, trusted_types=record.trusted_types
    )
    return LoadedModel(model=model, metadata=record, warnings=warnings)


def _load_skops(blob: bytes, path: Path, trusted_types: tuple[str, ...]) -> Any:
    try:
        import skops.io as sio
    except ImportError as error:
        raise ModelFileError(
            "loading a skops model needs the `skops` package",
            file=str(path),
            hint="Install modelci with the model extra: pip install 'modelci[model]'.",
        ) from error
    try:
        needed = sio.get_untrusted_types(data=blob)
    except Exception as error:  # skops raises many types on a corrupt archive
        raise ModelFileError(f"not a readable skops file: {error}", file=str(path)) from error
    unexpected = sorted(set(needed) - set(trusted_types))
    if unexpected:
        raise ModelFileError(
            f"the model needs type(s) its record does not trust: {', '.join(unexpected)}; "
            "refusing to load it",
            file=str(path),
            hint="If training really uses them, list them in the metadata's `trusted_types`.",
        )
    return sio.loads(blob, trusted=list(needed))
