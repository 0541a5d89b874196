"""`modelci release create`: the model version's GitHub Release, made idempotently.

    1. find the release for the tag among all releases (drafts too: GitHub's by-tag lookup
       skips drafts), else create it as a draft;
    2. set its name and notes when they differ (notes: `modelci.release.notes`);
    3. upload the assets (model-card.json, sbom.cdx.json) it lacks; one whose digest differs
       is replaced; one with the same digest is left alone;
    4. publish the draft, only now that it is complete.

So a re-run for the same version changes nothing and creates nothing twice, and a run that
failed anywhere (after the image push, in the middle of an upload) leaves a draft that the
next run finds and completes. A create or upload that got a 5xx is checked before retrying,
since GitHub may have done it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from modelci.errors import GitHubError, UsageError
from modelci.operations.comment import validate_repo
from modelci.packaging.card import CardModel, image_by_digest, read_card
from modelci.release.notes import render_notes

if TYPE_CHECKING:
    from modelci.adapters.github import GitHubClient

CARD_MD_NAME = "model-card.md"
UPLOAD_TYPE = "application/octet-stream"
Action = Literal["created", "completed", "updated", "unchanged"]
AssetAction = Literal["uploaded", "replaced", "unchanged"]


@dataclass(frozen=True)
class ReleaseAsset:
    name: str
    path: Path
    content_type: str

    def read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as error:
            raise UsageError(
                f"cannot read the release asset {self.path}: {error.strerror or error}",
                hint="Build the image first (`modelci image build` writes the SBOM).",
            ) from None


@dataclass(frozen=True)
class ReleaseResult:
    action: Action
    tag: str
    release_id: int
    html_url: str
    image: str
    assets: dict[str, AssetAction] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def release_tag(card: CardModel) -> str:
    """The registry's git tag of this version (GTO's `NAME@vX.Y.Z`)."""
    return f"{card.name}@{card.version}"


def _image_reference(card: CardModel) -> str:
    reference = image_by_digest(card.data)
    if reference is None:
        raise UsageError(
            f"the model card {card.path} records no pushed image",
            hint="Push the image first: `modelci image build --push REGISTRY/NAME` records "
            "its digest in the card.",
        )
    return reference


def _find(client: GitHubClient, repo: str, tag: str) -> dict[str, Any] | None:
    return next((r for r in client.list_releases(repo) if r.get("tag_name") == tag), None)


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _sync_asset(
    client: GitHubClient, repo: str, release: dict[str, Any], asset: ReleaseAsset
) -> AssetAction:
    data = asset.read()
    digest = _sha256(data)
    existing = [
        a for a in client.list_release_assets(repo, release["id"]) if a.get("name") == asset.name
    ]
    action: AssetAction = "uploaded"
    for old in existing:
        same = old.get("digest") == digest if old.get("digest") else old.get("size") == len(data)
        if same and old.get("state") == "uploaded":
            return "unchanged"
        client.delete_release_asset(repo, int(old["id"]))  # a different or broken upload
        action = "replaced"
    try:
        client.upload_release_asset(
            release["upload_url"], asset.name, data, content_type=asset.content_type
        )
    except GitHubError as error:
        if error.status is None or error.status < 500:
            raise
        # GitHub may have stored it before failing: look before trying once more.
        names = {a.get("name"): a for a in client.list_release_assets(repo, release["id"])}
        stored = names.get(asset.name)
        if stored is None or stored.get("digest") not in (None, digest):
            client.wait_before_retry(1)
            client.upload_release_asset(
                release["upload_url"], asset.name, data, content_type=asset.content_type
            )
    return action


def create_release(
    client: GitHubClient,
    repo: str,
    card_path: Path,
    *,
    sbom_path: Path,
    tag: str | None = None,
) -> ReleaseResult:
    validate_repo(repo)
    card = read_card(card_path)
    image = _image_reference(card)
    tag = tag or release_tag(card)
    card_md = card_path.with_name(CARD_MD_NAME)
    notes = render_notes(
        card.data, card_md.read_text(encoding="utf-8") if card_md.is_file() else None
    )
    fields = {"name": f"{card.name} {card.version}", "body": notes}
    # GitHub's description of the upload accepts application/octet-stream only.
    assets = [
        ReleaseAsset("model-card.json", card_path, UPLOAD_TYPE),
        ReleaseAsset("sbom.cdx.json", sbom_path, UPLOAD_TYPE),
    ]
    for asset in assets:
        asset.read()  # a missing file fails before anything is created

    action: Action = "unchanged"
    release = _find(client, repo, tag)
    if release is None:
        try:
            release = client.create_release(repo, {"tag_name": tag, "draft": True, **fields})
        except GitHubError as error:
            if error.status is None or error.status < 500:
                raise
            release = _find(client, repo, tag)  # created before the failure?
            if release is None:
                release = client.create_release(repo, {"tag_name": tag, "draft": True, **fields})
        action = "created"
    elif any(release.get(key) != value for key, value in fields.items()):
        release = client.update_release(repo, int(release["id"]), fields)
        action = "updated"

    done = {asset.name: _sync_asset(client, repo, release, asset) for asset in assets}
    if action == "unchanged" and any(a != "unchanged" for a in done.values()):
        action = "updated"
    if release.get("draft"):
        release = client.update_release(repo, int(release["id"]), {"draft": False})
        if action != "created":
            action = "completed"
    return ReleaseResult(
        action=action,
        tag=tag,
        release_id=int(release["id"]),
        html_url=str(release.get("html_url", "")),
        image=image,
        assets=done,
    )
