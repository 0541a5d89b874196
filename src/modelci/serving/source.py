"""What the server serves: a verified model, its name and version, and the schema it was trained on.

Two sources:

- the workspace (no `--model-card`): the model the pipeline left, through its metadata
  (models/model.json), hash-verified by modelci.modelfile; the schema is the one params.yaml's
  `modelci.data` validates the training data with;
- a model card (`--model-card F`): `read_card` reads the file's path, hash, format, trusted types,
  name, version and features, and the schema file and its hash, all relative to the card; or,
  in a card `modelci registry register` wrote, the features under `model` (in a card from
  before they were recorded: the fitted model's `feature_names_in_`) and the training schemas
  the card carries inline (`schemas[].content`, each with its SHA-256).

Either way nothing is deserialised before its SHA-256 matched (ModelFileError, exit 7).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci.errors import ConfigError, ModelFileError
from modelci.modelfile import LoadedModel, ModelMetadata, load_recorded, load_workspace_model
from modelci.modelfile.metadata import FORMATS, Format
from modelci.serving.schema import CompiledSchema, compile_schema

if TYPE_CHECKING:
    from pandera.api.pandas.container import DataFrameSchema

DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class CardRecord:
    """What serving needs from a model card."""

    name: str
    version: str
    model: ModelMetadata
    schema_path: Path | None  # None: the schemas are inline
    schema_sha256: str | None = None
    threshold: float = DEFAULT_THRESHOLD
    inline_schemas: tuple[InlineSchema, ...] = ()


@dataclass(frozen=True)
class InlineSchema:
    """A training schema a registered card carries as Pandera YAML text."""

    dataset: str
    content: str
    sha256: str


@dataclass(frozen=True)
class ServedModel:
    """A loaded, verified model with what the server needs around it."""

    name: str
    version: str
    model: Any
    sha256: str
    schema: CompiledSchema
    threshold: float = DEFAULT_THRESHOLD
    warnings: tuple[str, ...] = field(default=())

    @property
    def features(self) -> list[str]:
        return self.schema.names


def from_card(card_path: Path) -> ServedModel:
    """The model a model card names, verified against the card's hashes."""
    from modelci.validation import load_schema

    record = read_card(card_path)
    if record.schema_path is None:
        _verify_inline_schemas(record, card_path)  # before anything is deserialised
        loaded = load_recorded(record.model)
        features = _features(loaded, card_path)
        schema = _inline_schema(record, features, card_path)
        return _served(record.name, record.version, loaded, schema, record.threshold, features)
    _verify_schema(record.schema_path, record.schema_sha256)
    schema = load_schema(str(record.schema_path), arrow_storage=False)
    loaded = load_recorded(record.model)
    return _served(record.name, record.version, loaded, schema, record.threshold)


def _verify_inline_schemas(record: CardRecord, card_path: Path) -> None:
    for entry in record.inline_schemas:
        actual = hashlib.sha256(entry.content.encode("utf-8")).hexdigest()
        if not hmac.compare_digest(actual, entry.sha256):
            raise ModelFileError(
                f"the schema of {entry.dataset} has SHA-256 {actual}, but the card records "
                f"{entry.sha256}: the schema was changed",
                file=str(card_path),
                hint="Serve the card the model was registered with.",
            )


def _features(loaded: LoadedModel, card_path: Path) -> list[str]:
    """The card's features; a card registered before they were recorded: the columns the model
    was fitted on (scikit-learn's `feature_names_in_`, set when fitted on a DataFrame)."""
    if loaded.features:
        return list(loaded.features)
    names = getattr(loaded.model, "feature_names_in_", None)
    if names is None:
        raise ConfigError(
            "the model card lists no `features` and the model does not name its inputs",
            file=str(card_path),
            key="model.features",
            hint="Register the model again (the card then lists its features), or fit it on a "
            "DataFrame so scikit-learn records feature_names_in_.",
        )
    return [str(name) for name in names]


def _inline_schema(record: CardRecord, features: list[str], card_path: Path) -> DataFrameSchema:
    """The first inline schema (hashes already checked) that lists every feature of the model."""
    from modelci.validation import load_schema_text

    for entry in record.inline_schemas:
        shown = f"{card_path}: schemas[{entry.dataset}]"
        schema = load_schema_text(entry.content, shown=shown, arrow_storage=False)
        if set(features) <= set(schema.columns):
            return schema
    raise ConfigError(
        "no schema in the model card lists every model input: requests could not be checked",
        file=str(card_path),
        key="schemas",
        hint=f"The model's inputs are {', '.join(features)}; register it with a `modelci.data` "
        "schema that covers them.",
    )


def from_workspace(root: Path, metadata: Path | None = None) -> ServedModel:
    """The workspace's model as the pipeline left it, with its training schema from params.yaml."""
    loaded = load_workspace_model(root, metadata)
    schema, threshold = _workspace_schema(root, loaded)
    raw = loaded.metadata.raw
    name = str(raw.get("name") or _artifact_name(root, loaded.metadata.path) or "model")
    version = str(raw.get("version") or f"sha256-{loaded.metadata.sha256[:12]}")
    return _served(name, version, loaded, schema, threshold)


def read_card(card_path: Path) -> CardRecord:
    """Read the serving part of a model card (JSON). Paths are relative to the card's folder.

    Accepted shape: {"name", "version", "features": [...], "threshold"?: 0.5,
    "model": {"path", "sha256", "format", "trusted_types": [...]},
    "schema": {"path", "sha256"}}; or, as registration writes it, "features" inside "model" and
    "schemas": [{"dataset", "content", "sha256"}, ...] instead of "schema"."""
    import json

    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError("the model card does not exist", file=str(card_path)) from error
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read the model card: {error}", file=str(card_path)) from error
    if not isinstance(card, dict):
        raise ConfigError("the model card is not a JSON object", file=str(card_path))
    model = _section(card, "model", card_path)
    inline = _inline_schemas(card, card_path) if "schema" not in card else ()
    schema = {} if inline else _section(card, "schema", card_path)
    base = card_path.parent
    sha256 = _text(model, "sha256", card_path, "model.sha256")
    fmt = _text(model, "format", card_path, "model.format")
    if fmt not in FORMATS:
        raise ConfigError(
            f"unknown model format {fmt!r}",
            file=str(card_path),
            key="model.format",
            hint=f"One of {', '.join(FORMATS)}.",
        )
    fmt_checked: Format = fmt
    metadata = ModelMetadata(
        path=base / _text(model, "path", card_path, "model.path"),
        sha256=sha256.lower(),
        format=fmt_checked,
        trusted_types=tuple(str(t) for t in model.get("trusted_types") or ()),
        features=tuple(str(f) for f in card.get("features") or model.get("features") or ()),
        raw=card,
    )
    if not metadata.features and not inline:
        raise ConfigError("the model card lists no `features`", file=str(card_path), key="features")
    return CardRecord(
        name=_text(card, "name", card_path, "name"),
        version=_text(card, "version", card_path, "version"),
        model=metadata,
        schema_path=None if inline else base / _text(schema, "path", card_path, "schema.path"),
        schema_sha256=str(schema["sha256"]).lower() if schema.get("sha256") else None,
        threshold=float(card.get("threshold", DEFAULT_THRESHOLD)),
        inline_schemas=inline,
    )


def _inline_schemas(card: dict[str, Any], card_path: Path) -> tuple[InlineSchema, ...]:
    entries = card.get("schemas")
    if not isinstance(entries, list) or not entries:
        return ()
    found = []
    for index, entry in enumerate(entries):
        where = f"schemas[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"`{where}` is not an object", file=str(card_path), key=where)
        found.append(
            InlineSchema(
                dataset=str(entry.get("dataset") or index),
                content=_text(entry, "content", card_path, f"{where}.content"),
                sha256=_text(entry, "sha256", card_path, f"{where}.sha256").lower(),
            )
        )
    return tuple(found)


def _section(card: dict[str, Any], key: str, card_path: Path) -> dict[str, Any]:
    value = card.get(key)
    if not isinstance(value, dict):
        raise ConfigError(f"the model card has no `{key}` object", file=str(card_path), key=key)
    return value


def _text(section: dict[str, Any], key: str, card_path: Path, shown: str) -> str:
    value = section.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"the model card has no `{shown}`", file=str(card_path), key=shown)
    return value


def _verify_schema(path: Path, sha256: str | None) -> None:
    try:
        blob = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read the schema: {error.strerror}", file=str(path)) from error
    actual = hashlib.sha256(blob).hexdigest()
    if sha256 is not None and not hmac.compare_digest(actual, sha256):
        raise ModelFileError(
            f"SHA-256 is {actual}, but the model card records {sha256}: the schema was changed",
            file=str(path),
            hint="Serve the schema the model was registered with.",
        )


def _served(
    name: str,
    version: str,
    loaded: LoadedModel,
    schema: DataFrameSchema,
    threshold: float,
    features: list[str] | None = None,
) -> ServedModel:
    features = features or loaded.features or list(schema.columns)
    return ServedModel(
        name=name,
        version=version,
        model=loaded.model,
        sha256=loaded.metadata.sha256,
        schema=compile_schema(schema, features),
        threshold=threshold,
        warnings=loaded.warnings,
    )


def _workspace_schema(root: Path, loaded: LoadedModel) -> tuple[DataFrameSchema, float]:
    """The schema of the first `modelci.data` entry that covers every feature, and the
    decision threshold of `modelci.predictions`."""
    from modelci.config import load_config
    from modelci.validation import load_schema

    config = load_config(root / "params.yaml")
    threshold = config.predictions.threshold if config.predictions else DEFAULT_THRESHOLD
    features = set(loaded.features)
    for dataset in config.data:
        schema = load_schema(dataset.schema, base_dir=root, arrow_storage=False)
        if features <= set(schema.columns):
            return schema, threshold
    raise ConfigError(
        "no schema in `modelci.data` lists every model input: requests could not be checked",
        file=str(root / "params.yaml"),
        key="modelci.data",
        hint="Name the Pandera YAML schema of the training data under `modelci.data`.",
    )


def _artifact_name(root: Path, model_path: Path) -> str | None:
    """The name dvc.yaml's `artifacts:` gives the model file, if it declares one."""
    from modelci.yamlfile import load_yaml_file

    dvc_yaml = root / "dvc.yaml"
    if not dvc_yaml.is_file():
        return None
    artifacts = (load_yaml_file(dvc_yaml).data or {}).get("artifacts") or {}
    for name, spec in artifacts.items() if isinstance(artifacts, dict) else ():
        if isinstance(spec, dict) and (root / str(spec.get("path", ""))).resolve() == (
            model_path.resolve()
        ):
            return str(name)
    return None
