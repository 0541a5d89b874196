"""The model card: what a registered version is, where it came from and what it scored.

Declared once as pydantic models: they validate a card read back from a tag, and publish its JSON
Schema (`python -m modelci.registry > docs/model-card.schema.json`; a test keeps it in step).
The card travels in the message of the version's annotated registration tag (`NAME@vX.Y.Z`),
after one subject line, so it is created, pushed and refused together with the tag, and nothing
else (a commit, a branch, a file in the workspace) has to agree with it. See README, "The model
card".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelci.errors import RegistryError

CARD_FILE = "model-card.json"
SCHEMA_ID = "https://github.com/modelci/modelci/blob/main/docs/model-card.schema.json"
SCHEMA_VERSION: Literal[1] = 1
_SUBJECT = "modelci model card: {name} {version}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GitInfo(_Model):
    commit: str = Field(description="the registered commit (full SHA)", pattern="^[0-9a-f]{40}$")
    subject: str | None = Field(default=None, description="first line of its message")
    tag: str = Field(description="the registration tag, `NAME@vX.Y.Z`")


class LockedFile(_Model):
    """A file or directory as dvc.lock records it at the registered commit."""

    path: str
    md5: str | None = Field(default=None, description="DVC's hash (`.dir` for a directory)")
    size: int | None = None
    nfiles: int | None = Field(default=None, description="files in a directory")
    produced_by: str | None = Field(default=None, description="the stage that writes it")
    used_by: list[str] = Field(default_factory=list, description="stages that depend on it")


class ModelFile(_Model):
    path: str = Field(description="the artifact's path, from dvc.yaml `artifacts:`")
    type: str | None = Field(default=None, description="the artifact's type in dvc.yaml")
    md5: str | None = Field(default=None, description="its hash in dvc.lock")
    size: int | None = None
    sha256: str | None = Field(default=None, description="SHA-256 recorded at training")
    format: str | None = Field(default=None, description="skops, pickle, joblib, ...")
    trusted_types: list[str] = Field(
        default_factory=list, description="types the loader may build (skops)"
    )
    metadata: str | None = Field(default=None, description="training metadata file it came from")
    features: list[str] = Field(
        default_factory=list, description="the model's input columns, in order (training's)"
    )


class Interval(_Model):
    low: float | None
    high: float | None
    confidence: float


class Metric(_Model):
    source: str = Field(description="`file:key`, as in report.json")
    file: str
    key: str
    value: float | int | str | bool | None
    interval: Interval | None = Field(default=None, description="bootstrap interval, if any")


class Gate(_Model):
    metric: str
    source: str | None
    passed: bool
    head: float | None = None
    base: float | None = None
    threshold: float | None = None
    direction: str | None = None
    max_regression: str | None = None
    reasons: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Revision(_Model):
    ref: str
    sha: str | None = None


class CheckInfo(_Model):
    verdict: Literal["pass"] = Field(description="only a passing check registers")
    summary: str
    base: Revision | None = Field(default=None, description="what the gates compared against")
    source: Literal["report", "run"] = Field(
        description="report: the commit's report.json; run: checked at registration"
    )


class DataSchema(_Model):
    """The Pandera schema a dataset was validated against."""

    dataset: str
    path: str = Field(description="the data file")
    spec: str = Field(description="as configured: a YAML file or `module:attr`")
    sha256: str = Field(description="SHA-256 of `content`")
    content: str = Field(description="the schema as Pandera YAML")


class Environment(_Model):
    """The training run's interpreter and every installed distribution, as training saw it."""

    python: str
    implementation: str | None = None
    platform: str | None = None
    packages: dict[str, str] = Field(description="distribution name -> version")


class Image(_Model):
    ref: str = Field(description="image reference, e.g. ghcr.io/owner/name:v1.2.0")
    digest: str = Field(pattern="^sha256:[0-9a-f]{64}$")
    recorded_at: str


class ModelCard(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    name: str = Field(description="the model's name in dvc.yaml `artifacts:` and in its tags")
    version: str = Field(description="`vX.Y.Z`")
    created_at: str = Field(description="when it was registered (ISO 8601, UTC)")
    registration_id: str = Field(
        description="unique per registration run: two runs racing for a version never make the "
        "same tag object, so the remote refuses the second",
        pattern="^[0-9a-f]{32}$",
    )
    modelci_version: str
    git: GitInfo
    model: ModelFile
    dependencies: list[LockedFile] = Field(
        description="every dependency and output in dvc.lock but the model file"
    )
    params: dict[str, Any] = Field(description="params per file, as dvc.lock recorded them")
    metrics: list[Metric]
    gates: list[Gate]
    check: CheckInfo
    schemas: list[DataSchema]
    environment: Environment | None = Field(
        description="null when training recorded none (a warning says so)"
    )
    image: Image | None = Field(default=None, description="set once the image is pushed")
    warnings: list[str] = Field(default_factory=list)

    def metric_files(self) -> dict[str, dict[str, Any]]:
        """The metrics as files of (flat) values, as a check's base side reads them."""
        files: dict[str, dict[str, Any]] = {}
        for metric in self.metrics:
            files.setdefault(metric.file, {})[metric.key] = metric.value
        return files


def record_image(card: ModelCard, ref: str, digest: str) -> ModelCard:
    """The card with the pushed image's reference and digest (the registration tag keeps the
    card as registered: the packaging step writes this one beside the image and the release)."""
    image = Image(ref=ref, digest=digest, recorded_at=utc_now())
    return ModelCard.model_validate({**card.model_dump(), "image": image.model_dump()})


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def card_json(card: ModelCard) -> str:
    return json.dumps(card.model_dump(mode="json"), indent=2, allow_nan=False) + "\n"


def tag_message(card: ModelCard) -> str:
    """The registration tag's message: a subject line, a blank line, the card's JSON."""
    return _SUBJECT.format(name=card.name, version=card.version) + "\n\n" + card_json(card)


def card_from_message(tag: str, message: str | None) -> ModelCard:
    """The card a registration tag carries; a RegistryError when it carries none or a bad one."""
    subject, _, body = (message or "").partition("\n\n")
    if not subject.startswith("modelci model card:") or not body.strip():
        raise RegistryError(
            f"the tag `{tag}` carries no model card (registered by another tool?)",
            hint="register versions with `modelci registry register`, which writes the card",
        )
    try:
        return ModelCard.model_validate_json(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(root)"
        raise RegistryError(
            f"the model card in tag `{tag}` is not valid: {where}: {first['msg']}",
            hint="see docs/model-card.schema.json for what a card holds",
        ) from error


def card_json_schema() -> dict[str, Any]:
    schema = ModelCard.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def render_schema() -> str:
    return json.dumps(card_json_schema(), indent=2, sort_keys=True) + "\n"
