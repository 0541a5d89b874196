"""A registered version, made servable: what `modelci serve --model-card` reads, from the registry.

The registration tag's card names the model file (path, SHA-256, format, trusted types), the
training metadata beside it (the features) and the schema each dataset was validated with (its
content). `serving_card` writes, into a folder of the rollout's own:

    FOLDER/model-card.json   name, version, features, model {path, sha256, format, trusted_types},
                             schema {path, sha256}
    FOLDER/<model file>      the model's bytes at the version's commit (git or the DVC cache)
    FOLDER/schema.yaml       the schema's content, as registered

Nothing is deserialised here; the server checks the model's SHA-256 before loading it, and the
bytes are refused here already when they are not the registered ones.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from modelci.adapters import dvc
from modelci.errors import DataError, ModelFileError, RegistryError
from modelci.files import write_text_atomic
from modelci.registry.card import DataSchema, ModelCard
from modelci.registry.operations import find_version, read_card

CARD_FILE = "model-card.json"
SCHEMA_FILE = "schema.yaml"


def serving_card(root: Path, name: str, version: str, folder: Path) -> Path:
    """The card `modelci serve --model-card` reads for `name` `version` of the registry in
    `root`, with the model file and the schema beside it in `folder`."""
    card = read_card(root, find_version(root, name, version))
    model = card.model
    if not (model.sha256 and model.format and model.metadata):
        raise RegistryError(
            f"the model card of {name} {version} records no SHA-256, format or training "
            "metadata for its model file: it cannot be served verified",
            hint="register a version whose training wrote the metadata beside the model",
        )
    features = _features(root, card, model.metadata)
    blob = _read(root, card, model.path)
    actual = hashlib.sha256(blob).hexdigest()
    if not hmac.compare_digest(actual, model.sha256):
        raise ModelFileError(
            f"SHA-256 at {card.git.commit[:12]} is {actual}, but the model card records "
            f"{model.sha256}",
            file=model.path,
            hint="the DVC cache holds other bytes under that path: `dvc pull` at the version",
        )
    schema = _schema(card, features)
    folder.mkdir(parents=True, exist_ok=True)
    model_file = PurePosixPath(model.path).name
    (folder / model_file).write_bytes(blob)
    write_text_atomic(folder / SCHEMA_FILE, schema.content)
    served: dict[str, Any] = {
        "name": card.name,
        "version": card.version,
        "features": features,
        "model": {
            "path": model_file,
            "sha256": model.sha256,
            "format": model.format,
            "trusted_types": list(model.trusted_types),
        },
        "schema": {"path": SCHEMA_FILE, "sha256": schema.sha256},
    }
    write_text_atomic(folder / CARD_FILE, json.dumps(served, indent=2) + "\n")
    return folder / CARD_FILE


def _read(root: Path, card: ModelCard, path: str) -> bytes:
    try:
        return dvc.read_file(root, path, card.git.commit)
    except FileNotFoundError:
        raise DataError(
            f"{path} is not in the repository at {card.name} {card.version}'s commit "
            f"{card.git.commit[:12]}",
            file=path,
            hint="fetch the commit (`git fetch --tags`) and its DVC outputs (`dvc pull`)",
        ) from None


def _features(root: Path, card: ModelCard, metadata_path: str) -> list[str]:
    try:
        metadata = json.loads(_read(root, card, metadata_path))
    except ValueError as error:
        raise ModelFileError(f"not JSON: {error}", file=metadata_path) from None
    features = metadata.get("features") if isinstance(metadata, dict) else None
    if not isinstance(features, list) or not features:
        raise ModelFileError(
            "the training metadata lists no `features`: the server could not check requests",
            file=metadata_path,
        )
    return [str(feature) for feature in features]


def _schema(card: ModelCard, features: list[str]) -> DataSchema:
    """The first registered schema that has a column for every feature, its hash checked."""
    for schema in card.schemas:
        if not hmac.compare_digest(
            hashlib.sha256(schema.content.encode("utf-8")).hexdigest(), schema.sha256
        ):
            raise RegistryError(
                f"the model card's schema of {schema.dataset} does not match its SHA-256",
                hint="register the version again; the card is written only by modelci",
            )
        columns = (yaml.safe_load(schema.content) or {}).get("columns") or {}
        if set(features) <= set(columns):
            return schema
    raise RegistryError(
        f"no schema in the model card of {card.name} {card.version} has a column for every "
        f"feature ({', '.join(features)})",
        hint="name the training data's schema under `modelci.data` and register again",
    )
