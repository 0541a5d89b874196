"""The model card as packaging reads it, and `record_image`, which writes the pushed image into it.

The card (`model-card.json`) is written at registration (`modelci.registry`); packaging reads only
these keys of it and keeps everything else as it is:

    name, version                  the model's name and registered version (vX.Y.Z)
    git.commit                     the commit the model was trained at
    model.path, model.sha256       the model file (relative to the repository) and its SHA-256
    environment.python             the training run's Python version        (optional)
    environment.packages           {distribution: version} of the training run (optional)
    image.ref, image.digest        written by `record_image` after a push (the registry's
                                   `Image` shape: ref REPO:TAG, digest, recorded_at)

The card's digest (an OCI label of the image) is the SHA-256 of its canonical JSON without the
`image` section, so recording the image does not change the digest the image carries.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelci.errors import ConfigError, UsageError
from modelci.files import write_text_atomic

CARD_NAME = "model-card.json"
# Where commands look for the card when not told (the repository root).
DEFAULT_CARD_PATH = Path(CARD_NAME)
_REGISTER_HINT = "Register the model first (`modelci registry register`), or pass --model-card."


@dataclass(frozen=True)
class CardModel:
    """What packaging needs from a card."""

    path: Path  # the card file
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return self._text("name")

    @property
    def version(self) -> str:
        return self._text("version")

    @property
    def commit(self) -> str | None:
        value = _lookup(self.data, "git.commit")
        return value if isinstance(value, str) and value else None

    @property
    def model_file(self) -> str:
        return self._text("model.path")

    @property
    def model_sha256(self) -> str:
        return self._text("model.sha256").lower()

    @property
    def python(self) -> str | None:
        value = _lookup(self.data, "environment.python")
        return str(value) if value else None

    @property
    def packages(self) -> dict[str, str]:
        value = _lookup(self.data, "environment.packages")
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise self._bad("environment.packages", "must map each distribution to its version")
        return dict(value)

    @property
    def digest(self) -> str:
        return card_digest(self.data)

    def _text(self, key: str) -> str:
        value = _lookup(self.data, key)
        if not isinstance(value, str) or not value:
            raise self._bad(key, "is missing or not a non-empty string")
        return value

    def _bad(self, key: str, what: str) -> ConfigError:
        return ConfigError(
            f"the model card's `{key}` {what}",
            file=str(self.path),
            key=key,
            hint="The card is written by `modelci registry register`; register again rather "
            "than editing it by hand.",
        )


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def card_digest(data: dict[str, Any]) -> str:
    """`sha256:<hex>` of the card's canonical JSON, its `image` section left out."""
    body = {k: v for k, v in data.items() if k != "image"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_card(path: Path) -> CardModel:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no model card at {path}", hint=_REGISTER_HINT) from None
    except OSError as error:
        raise UsageError(f"cannot read the model card {path}: {error.strerror}") from error
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ConfigError(
            f"the model card is not valid JSON: {error}", file=str(path), hint=_REGISTER_HINT
        ) from None
    if not isinstance(data, dict):
        raise ConfigError("the model card is not a JSON object", file=str(path))
    return CardModel(path, data)


def write_card(path: Path, data: dict[str, Any]) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def record_image(card_path: Path, ref: str, digest: str, *, recorded_at: str | None = None) -> bool:
    """Write the pushed image (`ref` is REPO:TAG, `digest` the manifest's) into the card.

    Idempotent: when the card already records this ref and digest the file is left untouched
    (and False returned), so a re-run changes nothing, not even `recorded_at`. `recorded_at`
    defaults to now; `image build` passes the image's creation time, so a fresh copy of the
    registered card (a release workflow re-run) records the same image as the same bytes.
    """
    card = read_card(card_path)
    current = card.data.get("image")
    if isinstance(current, dict) and (current.get("ref"), current.get("digest")) == (ref, digest):
        return False
    recorded = recorded_at or datetime.now(UTC).replace(microsecond=0).isoformat()
    image = {"ref": ref, "digest": digest, "recorded_at": recorded}
    write_card(card_path, {**card.data, "image": image})
    return True


def image_by_digest(data: dict[str, Any]) -> str | None:
    """`REPO@sha256:...` of the image the card records, or None before a push."""
    image = data.get("image")
    if not isinstance(image, dict):
        return None
    ref, digest = image.get("ref"), image.get("digest")
    if not isinstance(ref, str) or not isinstance(digest, str) or not digest.startswith("sha256:"):
        return None
    repository = ref.split("@")[0]
    name, _, tag = repository.rpartition(":")
    if name and "/" not in tag:
        repository = name
    return f"{repository}@{digest}"
