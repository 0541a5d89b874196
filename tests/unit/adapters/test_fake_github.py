"""The fake GitHub behaves like GitHub where modelci's tests rely on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from tests.support.fake_github import (
    BOT_LOGIN,
    DEFAULT_REPO,
    SECONDARY_RATE_LIMIT_MESSAGE,
    USER_TOKEN,
    WORKFLOW_TOKEN,
    FakeGitHub,
    start_fake_github_process,
)
from tests.support.prism import ProxiedGitHub

COMMENTS = f"/repos/{DEFAULT_REPO}/issues/1/comments"


def call(
    fake: FakeGitHub | str, method: str, path: str, token: str | None = WORKFLOW_TOKEN, **kw: Any
) -> requests.Response:
    base = fake if isinstance(fake, str) else fake.url
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, base + path, headers=headers, timeout=10, **kw)


def test_authentication(fake_github: FakeGitHub) -> None:
    missing = call(fake_github, "GET", "/user", token=None)
    assert (missing.status_code, missing.json()["message"]) == (401, "Requires authentication")
    unknown = call(fake_github, "GET", "/user", token="nope")
    assert (unknown.status_code, unknown.json()["message"]) == (401, "Bad credentials")
    bot = call(fake_github, "GET", "/user")
    assert bot.status_code == 403
    assert bot.json()["message"] == "Resource not accessible by integration"
    user = call(fake_github, "GET", "/user", token=USER_TOKEN)
    assert (user.json()["login"], user.json()["type"]) == ("octocat", "User")


def test_comments_by_the_workflow_token_are_by_the_actions_bot(fake_github: FakeGitHub) -> None:
    created = call(fake_github, "POST", COMMENTS, json={"body": "hi"})
    assert created.status_code == 201
    data = created.json()
    assert created.headers["Location"] == data["url"]
    assert data["user"]["login"] == BOT_LOGIN
    assert data["user"]["type"] == "Bot"
    assert data["user"]["url"] == f"{fake_github.url}/users/github-actions%5Bbot%5D"
    fetched = call(fake_github, "GET", f"/repos/{DEFAULT_REPO}/issues/comments/{data['id']}")
    assert fetched.json() == data


def test_list_pages_and_link_header(fake_github: FakeGitHub) -> None:
    fake_github.add_comments(DEFAULT_REPO, 1, 45, body="c{i}")
    first = call(fake_github, "GET", COMMENTS, params={"per_page": 20})
    assert [c["body"] for c in first.json()] == [f"c{i}" for i in range(20)]
    link = f"{fake_github.url}{COMMENTS}?per_page=20"
    assert first.headers["Link"] == f'<{link}&page=2>; rel="next", <{link}&page=3>; rel="last"'
    middle = call(fake_github, "GET", COMMENTS, params={"per_page": 20, "page": 2})
    assert middle.headers["Link"] == (
        f'<{link}&page=1>; rel="prev", <{link}&page=1>; rel="first", '
        f'<{link}&page=3>; rel="next", <{link}&page=3>; rel="last"'
    )
    last = call(fake_github, "GET", COMMENTS, params={"per_page": 20, "page": 3})
    assert [c["body"] for c in last.json()] == [f"c{i}" for i in range(40, 45)]
    assert "next" not in last.headers["Link"]
    capped = call(fake_github, "GET", COMMENTS, params={"per_page": 500})
    assert len(capped.json()) == 45  # per_page is at most 100; all fit
    assert "Link" not in capped.headers


def test_public_url_is_used_in_links(fake_github: FakeGitHub) -> None:
    fake_github.public_url = "http://127.0.0.1:1234"
    fake_github.add_comments(DEFAULT_REPO, 1, 3)
    response = call(fake_github, "GET", COMMENTS, params={"per_page": 1})
    assert response.headers["Link"].startswith(
        f"<http://127.0.0.1:1234{COMMENTS}?per_page=1&page=2>"
    )


def test_not_found_and_validation_errors(fake_github: FakeGitHub) -> None:
    assert call(fake_github, "GET", "/repos/octo-org/nope/issues/1/comments").status_code == 404
    assert call(fake_github, "GET", f"/repos/{DEFAULT_REPO}/issues/99/comments").status_code == 404
    assert call(fake_github, "GET", f"/repos/{DEFAULT_REPO}/pulls/3").status_code == 404  # issue
    assert call(fake_github, "DELETE", COMMENTS).status_code == 404  # never 501
    assert call(fake_github, "GET", "/zen").status_code == 404
    no_body = call(fake_github, "POST", COMMENTS, json={"text": "x"})
    assert (no_body.status_code, no_body.json()["message"]) == (
        422,
        'Invalid request.\n\n"body" wasn\'t supplied.',
    )
    too_long = call(fake_github, "POST", COMMENTS, json={"body": "x" * 65_537})
    assert too_long.status_code == 422
    assert (
        too_long.json()["errors"][0]["message"] == "body is too long (maximum is 65536 characters)"
    )
    assert call(fake_github, "POST", COMMENTS, json={"body": "x" * 65_536}).status_code == 201


def test_only_the_author_may_edit(fake_github: FakeGitHub) -> None:
    theirs = fake_github.add_comment(DEFAULT_REPO, 1, "mine", author="mallory")
    path = f"/repos/{DEFAULT_REPO}/issues/comments/{theirs}"
    assert call(fake_github, "PATCH", path, json={"body": "x"}).status_code == 403
    assert call(fake_github, "PATCH", path, json={"body": "x"}, token=USER_TOKEN).status_code == 403
    assert fake_github.comment(theirs).body == "mine"


def test_scripted_responses_match_method_and_path(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_secondary_rate_limit(retry_after=1, method="POST", path="/comments$")
    assert call(fake_github, "GET", COMMENTS).status_code == 200  # not consumed by a GET
    limited = call(fake_github, "POST", COMMENTS, json={"body": "x"})
    assert limited.status_code == 403
    assert limited.headers["Retry-After"] == "1"
    assert limited.json()["message"] == SECONDARY_RATE_LIMIT_MESSAGE
    assert call(fake_github, "POST", COMMENTS, json={"body": "x"}).status_code == 201
    assert [(r.method, r.status, r.scripted) for r in fake_github.requests] == [
        ("GET", 200, False),
        ("POST", 403, True),
        ("POST", 201, False),
    ]


def test_state_file_has_comments_and_requests(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with FakeGitHub(state_file=state) as fake:
        call(fake, "POST", COMMENTS, json={"body": "hello"})
        saved = json.loads(state.read_text())
        assert saved["url"] == fake.url
    assert [c["body"] for c in saved["comments"]] == ["hello"]
    assert saved["requests"] == [
        {"method": "POST", "path": COMMENTS, "status": 201, "login": BOT_LOGIN, "scripted": False}
    ]
    # The saved state seeds a new fake (as `--state` does).
    again = FakeGitHub(json.loads(state.read_text()))
    assert [c.body for c in again.comments()] == ["hello"]


def test_standalone_process_seeds_from_and_writes_to_the_state_file(tmp_path: Path) -> None:
    seed = {
        "tokens": {"t0ken": {"login": "someone"}},
        "repos": {"acme/models": {"pulls": [7]}},
        "comments": [
            {
                "id": 5,
                "repo": "acme/models",
                "issue": 7,
                "body": "earlier",
                "author": "someone",
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
            }
        ],
        "script": [{"status": 502, "body": {"message": "Server Error"}}],
    }
    state_file = tmp_path / "state.json"
    with start_fake_github_process(state_file, seed) as process:
        path = "/repos/acme/models/issues/7/comments"
        assert call(process.url, "GET", path, token="t0ken").status_code == 502
        assert (
            call(process.url, "POST", path, token="t0ken", json={"body": "new"}).status_code == 201
        )
        assert [c["body"] for c in process.state()["comments"]] == ["earlier", "new"]
    final = json.loads(state_file.read_text())
    assert final["script"] == []
    assert [(r["method"], r["status"]) for r in final["requests"]] == [("GET", 502), ("POST", 201)]
    assert [c["id"] for c in final["comments"]] == [5, 2_000_000_001]
    assert process.process.returncode == 0


def test_the_fakes_answers_meet_githubs_contract(api: ProxiedGitHub) -> None:
    # Every endpoint, successful and failing, through Prism (the fixture checks at teardown).
    url = api.url
    session = api.contract.session()
    auth = {"Authorization": f"Bearer {WORKFLOW_TOKEN}"}
    created = session.post(url + COMMENTS, json={"body": "hi"}, headers=auth, timeout=10)
    comment = f"/repos/{DEFAULT_REPO}/issues/comments/{created.json()['id']}"
    answers = [
        created,
        session.get(url + COMMENTS, headers=auth, timeout=10),
        session.get(url + comment, headers=auth, timeout=10),
        session.patch(url + comment, json={"body": "ho"}, headers=auth, timeout=10),
        session.patch(url + comment, json={"body": "x" * 65_537}, headers=auth, timeout=10),
        session.get(f"{url}/repos/{DEFAULT_REPO}/pulls/1", headers=auth, timeout=10),
        session.get(f"{url}/repos/{DEFAULT_REPO}/pulls/9", headers=auth, timeout=10),
        session.get(f"{url}/user", headers=auth, timeout=10),
        session.get(f"{url}/user", headers={"Authorization": f"Bearer {USER_TOKEN}"}, timeout=10),
        session.get(f"{url}/user", headers={"Authorization": "Bearer nope"}, timeout=10),
    ]
    assert [r.status_code for r in answers] == [201, 200, 200, 200, 422, 200, 404, 403, 200, 401]
