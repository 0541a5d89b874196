"""`modelci image build [--push REPOSITORY]`: build the packaged context, tag, push, record.

The image gets two tags, the model's version and the git commit (`REPO:v1.2.0`, `REPO:<sha>`);
the SBOM the build made inside the image is copied out beside the context. With a repository
to push to, both tags are pushed (retried with backoff by the engine) and the manifest digest
the registry stored is written into the model card (`record_image`). Every step is safe to
repeat: a second run rebuilds from the engine's cache, pushes content the registry already
holds, and leaves an already recorded card untouched.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

from modelci.adapters.docker import Engine, Progress
from modelci.errors import UsageError
from modelci.files import write_text_atomic
from modelci.packaging.card import read_card, record_image
from modelci.packaging.context import read_context
from modelci.packaging.dockerfile import SBOM_PATH

SBOM_NAME = "sbom.cdx.json"
# Docker's reference grammar, narrowed: lowercase path components, an optional host[:port].
_REPOSITORY = re.compile(
    r"(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
)
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


@dataclass(frozen=True)
class BuiltImage:
    image_id: str
    repository: str
    tags: list[str]  # full references, REPO:TAG
    size: int  # bytes
    sbom: str  # where the SBOM was written
    labels: dict[str, str]
    pushed: bool = False
    digest: str | None = None
    reference: str | None = None  # REPO@DIGEST once pushed
    card_updated: bool = False

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def validate_repository(repository: str) -> str:
    if not _REPOSITORY.fullmatch(repository):
        raise UsageError(
            f"{repository!r} is not an image repository (REGISTRY/NAME, lowercase, no tag)",
            hint="e.g. --push ghcr.io/OWNER/MODEL: the tags (version, commit) are added.",
        )
    return repository


def image_tags(repository: str, version: str, revision: str) -> list[str]:
    tags = [f"{repository}:{tag}" for tag in (version, revision)]
    for tag in (version, revision):
        if not _TAG.fullmatch(tag):
            raise UsageError(f"{tag!r} cannot be an image tag", hint="Versions look like v1.2.0.")
    return tags


def build_image(
    engine: Engine,
    context_dir: Path,
    *,
    base_image: str | None = None,
    repository: str | None = None,
    push: bool = False,
    card_path: Path | None = None,
    sbom_path: Path | None = None,
    progress: Progress,
    created: datetime | None = None,
) -> BuiltImage:
    if push and card_path is not None:
        read_card(card_path)  # a card that cannot take the digest fails before the push
    context = read_context(context_dir)
    repository = validate_repository(repository or f"modelci/{context.name.lower()}")
    tags = image_tags(repository, context.version, context.revision)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ") if created else context.created
    buildargs = {"CREATED": stamp}
    if base_image:
        buildargs["BASE_IMAGE"] = base_image
    image_id = engine.build(context_dir, tags=tags, buildargs=buildargs, progress=progress)
    info = engine.inspect(image_id)
    sbom = sbom_path or context_dir / SBOM_NAME
    write_text_atomic(sbom, engine.read_file(image_id, SBOM_PATH).decode("utf-8"))
    result = BuiltImage(
        image_id=image_id,
        repository=repository,
        tags=tags,
        size=info.size,
        sbom=str(sbom),
        labels=info.labels,
    )
    if not push:
        return result
    digests = {engine.push(repository, t.rpartition(":")[2], progress=progress) for t in tags}
    if len(digests) != 1:
        raise UsageError(f"the tags of {repository} were pushed with different digests: {digests}")
    (digest,) = digests
    updated = False
    if card_path is not None:
        updated = record_image(card_path, tags[0], digest, recorded_at=stamp)
    return replace(
        result,
        pushed=True,
        digest=digest,
        reference=f"{repository}@{digest}",
        card_updated=updated,
    )
