"""The fake GitHub's releases survive its state file (end-to-end tests read them from it)."""

from __future__ import annotations

import json

import requests

from tests.support.fake_github import DEFAULT_REPO, WORKFLOW_TOKEN, FakeGitHub

AUTH = {"Authorization": f"Bearer {WORKFLOW_TOKEN}"}


def test_a_release_and_its_asset_round_trip_through_the_state() -> None:
    with FakeGitHub() as fake:
        made = requests.post(
            f"{fake.url}/repos/{DEFAULT_REPO}/releases",
            json={"tag_name": "fraud@v1.0.0", "draft": True},
            headers=AUTH,
            timeout=10,
        ).json()
        upload = made["upload_url"].split("{")[0]
        requests.post(f"{upload}?name=card.json", data=b"{}", headers=AUTH, timeout=10)
        state = json.loads(json.dumps(fake.to_state()))
    with FakeGitHub(state) as again:
        [release] = again.releases(DEFAULT_REPO)
        assert (release.tag_name, release.draft) == ("fraud@v1.0.0", True)
        assert [(a.name, a.content) for a in release.assets] == [("card.json", b"{}")]
        # Drafts are invisible to the by-tag lookup, as on GitHub.
        by_tag = requests.get(
            f"{again.url}/repos/{DEFAULT_REPO}/releases/tags/fraud@v1.0.0", headers=AUTH, timeout=10
        )
        assert by_tag.status_code == 404
