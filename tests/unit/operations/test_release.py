"""The model's GitHub Release: made once, complete, idempotent; completed after a failure.

Through the Prism proxy (`api` fixture): every request and answer is checked against GitHub's
OpenAPI description, the asset upload included.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from modelci.adapters.github import GitHubClient
from modelci.errors import GitHubAuthError, UsageError
from modelci.operations.release import create_release
from modelci.packaging.card import record_image
from tests.support.fake_github import DEFAULT_REPO, READ_ONLY_TOKEN, WORKFLOW_TOKEN
from tests.support.prism import UNDECLARED_STATUS, ProxiedGitHub

DIGEST = "sha256:" + "ab" * 32
TAG = "fraud@v1.2.0"


def proxied(api: ProxiedGitHub, token: str = WORKFLOW_TOKEN) -> GitHubClient:
    return GitHubClient(
        token, api_url=api.url, session=api.contract.session(), sleep=lambda _: None
    )


def card(tmp_path: Path, *, image: bool = True) -> Path:
    path = tmp_path / "model-card.json"
    data: dict[str, Any] = {
        "name": "fraud",
        "version": "v1.2.0",
        "git": {"commit": "c" * 40},
        "model": {"path": "models/model.pkl", "sha256": "d" * 64},
        "metrics": {"f1": {"value": 0.9495, "low": 0.931, "high": 0.962}, "latency_ms": 3},
        "data": {"data/transactions.csv": {"md5": "0123abcd"}},
    }
    path.write_text(json.dumps(data))
    if image:
        record_image(path, "ghcr.io/octo-org/fraud:v1.2.0", DIGEST)
    return path


def sbom(tmp_path: Path, text: str = '{"bomFormat": "CycloneDX"}') -> Path:
    path = tmp_path / "sbom.cdx.json"
    path.write_text(text)
    return path


def writes(api: ProxiedGitHub) -> list[tuple[str, str]]:
    return [
        (r.method, r.path.split("?")[0])
        for r in api.fake.requests
        if r.method in {"POST", "PATCH", "DELETE"}
    ]


def test_first_run_publishes_one_release_with_notes_and_both_assets(
    api: ProxiedGitHub, tmp_path: Path
) -> None:
    card_path, sbom_path = card(tmp_path), sbom(tmp_path)
    result = create_release(proxied(api), DEFAULT_REPO, card_path, sbom_path=sbom_path)

    [release] = api.fake.releases(DEFAULT_REPO)
    assert (result.action, result.tag, result.release_id) == ("created", TAG, release.id)
    assert (release.tag_name, release.name, release.draft) == (TAG, "fraud v1.2.0", False)
    assert result.assets == {"model-card.json": "uploaded", "sbom.cdx.json": "uploaded"}
    stored = {a.name: a.content for a in release.assets}
    assert stored == {
        "model-card.json": card_path.read_bytes(),
        "sbom.cdx.json": sbom_path.read_bytes(),
    }
    body = release.body or ""
    assert f"`ghcr.io/octo-org/fraud@{DIGEST}`" in body
    assert "| f1 | 0.9495 | 0.931 to 0.962 |" in body
    assert "| latency&#95;ms | 3 | — |" in body
    assert f"docker run --rm -p 8080:8080 ghcr.io/octo-org/fraud@{DIGEST}" in body
    assert "| commit | <code>" + "c" * 40 + "</code> |" in body
    # A draft first, assets next, published last: never public while incomplete.
    release_path = f"/repos/{DEFAULT_REPO}/releases"
    assert writes(api) == [
        ("POST", release_path),
        ("POST", f"{release_path}/{release.id}/assets"),
        ("POST", f"{release_path}/{release.id}/assets"),
        ("PATCH", f"{release_path}/{release.id}"),
    ]


def test_a_second_run_changes_nothing_and_creates_nothing(
    api: ProxiedGitHub, tmp_path: Path
) -> None:
    card_path, sbom_path = card(tmp_path), sbom(tmp_path)
    create_release(proxied(api), DEFAULT_REPO, card_path, sbom_path=sbom_path)
    api.fake.clear_requests()

    again = create_release(proxied(api), DEFAULT_REPO, card_path, sbom_path=sbom_path)

    assert again.action == "unchanged"
    assert again.assets == {"model-card.json": "unchanged", "sbom.cdx.json": "unchanged"}
    assert writes(api) == []
    [release] = api.fake.releases(DEFAULT_REPO)
    assert len(release.assets) == 2


def test_a_run_that_failed_mid_upload_is_completed_by_the_next(
    api: ProxiedGitHub, tmp_path: Path
) -> None:
    card_path, sbom_path = card(tmp_path), sbom(tmp_path)
    api.contract.allow(UNDECLARED_STATUS)
    # The first upload is refused: the run stops with the release still a draft.
    api.fake.enqueue(
        400, {"message": "Bad Content-Length"}, method="POST", path="/assets$", times=1
    )
    with pytest.raises(Exception, match="Bad Content-Length"):
        create_release(proxied(api), DEFAULT_REPO, card_path, sbom_path=sbom_path)
    [draft] = api.fake.releases(DEFAULT_REPO)
    assert draft.draft is True
    assert draft.assets == []

    result = create_release(proxied(api), DEFAULT_REPO, card_path, sbom_path=sbom_path)

    assert result.action == "completed"
    [release] = api.fake.releases(DEFAULT_REPO)
    assert release.id == draft.id and release.draft is False
    assert sorted(a.name for a in release.assets) == ["model-card.json", "sbom.cdx.json"]


def test_an_upload_that_github_stored_before_a_502_is_not_uploaded_twice(
    api: ProxiedGitHub, tmp_path: Path
) -> None:
    api.contract.allow(UNDECLARED_STATUS)
    api.fake.enqueue_server_error(502, method="POST", path="/assets$", after_processing=True)
    result = create_release(proxied(api), DEFAULT_REPO, card(tmp_path), sbom_path=sbom(tmp_path))
    [release] = api.fake.releases(DEFAULT_REPO)
    assert result.action == "created"
    assert sorted(a.name for a in release.assets) == ["model-card.json", "sbom.cdx.json"]


def test_a_changed_sbom_replaces_the_asset_and_keeps_the_release(
    api: ProxiedGitHub, tmp_path: Path
) -> None:
    card_path = card(tmp_path)
    first = create_release(proxied(api), DEFAULT_REPO, card_path, sbom_path=sbom(tmp_path))
    new_sbom = sbom(tmp_path, '{"bomFormat": "CycloneDX", "version": 2}')

    result = create_release(proxied(api), DEFAULT_REPO, card_path, sbom_path=new_sbom)

    assert (result.action, result.release_id) == ("updated", first.release_id)
    assert result.assets == {"model-card.json": "unchanged", "sbom.cdx.json": "replaced"}
    [release] = api.fake.releases(DEFAULT_REPO)
    [stored] = [a for a in release.assets if a.name == "sbom.cdx.json"]
    assert stored.digest == "sha256:" + hashlib.sha256(new_sbom.read_bytes()).hexdigest()


def test_changed_notes_update_the_release_in_place(api: ProxiedGitHub, tmp_path: Path) -> None:
    card_path = card(tmp_path)
    create_release(proxied(api), DEFAULT_REPO, card_path, sbom_path=sbom(tmp_path))
    (tmp_path / "model-card.md").write_text("## fraud v1.2.0\n\nWritten at registration.\n")

    result = create_release(proxied(api), DEFAULT_REPO, card_path, sbom_path=sbom(tmp_path))

    [release] = api.fake.releases(DEFAULT_REPO)
    assert result.action == "updated"
    assert (release.body or "").startswith("## fraud v1.2.0\n\nWritten at registration.\n")
    assert f"ghcr.io/octo-org/fraud@{DIGEST}" in (release.body or "")


def test_a_card_without_a_pushed_image_is_refused_before_any_request(
    api: ProxiedGitHub, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="records no pushed image") as error:
        create_release(
            proxied(api), DEFAULT_REPO, card(tmp_path, image=False), sbom_path=sbom(tmp_path)
        )
    assert "modelci image build --push" in (error.value.hint or "")
    assert api.fake.requests == []


def test_a_missing_sbom_is_refused_before_any_request(api: ProxiedGitHub, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot read the release asset .*sbom\.cdx\.json"):
        create_release(
            proxied(api), DEFAULT_REPO, card(tmp_path), sbom_path=tmp_path / "sbom.cdx.json"
        )
    assert api.fake.requests == []


def test_a_read_only_token_gets_the_permission_hint(api: ProxiedGitHub, tmp_path: Path) -> None:
    api.contract.allow(UNDECLARED_STATUS)  # GitHub's description omits this 403
    with pytest.raises(GitHubAuthError, match=r"not allowed to POST .*/releases \(403") as error:
        create_release(
            proxied(api, READ_ONLY_TOKEN), DEFAULT_REPO, card(tmp_path), sbom_path=sbom(tmp_path)
        )
    assert "`contents: write`" in (error.value.hint or "")
    assert api.fake.releases(DEFAULT_REPO) == []
