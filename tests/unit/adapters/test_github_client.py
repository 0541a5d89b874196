"""GitHubClient against the fake GitHub: headers, retries, rate limits, errors, pagination."""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

import pytest
import requests

from modelci import __version__
from modelci.adapters.github import DEFAULT_TIMEOUT, GitHubClient
from modelci.errors import (
    ExitCode,
    GitHubAuthError,
    GitHubError,
    GitHubNotFoundError,
    GitHubRateLimitError,
    UsageError,
)
from tests.support.fake_github import (
    DEFAULT_REPO,
    READ_ONLY_TOKEN,
    USER_TOKEN,
    WORKFLOW_TOKEN,
    FakeGitHub,
)
from tests.support.prism import UNDECLARED_STATUS, ProxiedGitHub, free_port

NOW = 1_800_000_000.0  # the injected clock


class RecordingSession(requests.Session):
    """A real session that remembers the keyword arguments of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str | bytes, url: str | bytes, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls.append({"method": method, "url": url, **kwargs})
        return super().request(method, url, **kwargs)


def make_client(
    url: str, token: str = USER_TOKEN, **kwargs: Any
) -> tuple[GitHubClient, list[float]]:
    sleeps: list[float] = []
    kwargs.setdefault("jitter", None)
    client = GitHubClient(token, api_url=url, sleep=sleeps.append, clock=lambda: NOW, **kwargs)
    return client, sleeps


def statuses(fake: FakeGitHub) -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in fake.requests]


# -- configuration ------------------------------------------------------------------------


def test_sends_token_api_version_user_agent_and_a_timeout(fake_github: FakeGitHub) -> None:
    session = RecordingSession()
    client, _ = make_client(fake_github.url, session=session)
    assert client.viewer_login() == "octocat"
    assert client.request("GET", f"/repos/{DEFAULT_REPO}/pulls/1").json()["number"] == 1
    assert len(session.calls) == 2
    for call in session.calls:
        assert call["timeout"] == DEFAULT_TIMEOUT
        assert call["headers"] == {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {USER_TOKEN}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": f"modelci/{__version__}",
        }
    # The injected session is used as it is, not modified.
    assert "Authorization" not in session.headers


def test_api_url_comes_from_argument_then_env_then_github(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.example.com/api/v3/")
    assert GitHubClient("t").api_url == "https://ghe.example.com/api/v3"
    assert GitHubClient("t", api_url="http://127.0.0.1:9").api_url == "http://127.0.0.1:9"
    monkeypatch.delenv("GITHUB_API_URL")
    assert GitHubClient("t").api_url == "https://api.github.com"


def test_empty_token_and_bad_api_url_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="no GitHub token"):
        GitHubClient("  ")
    with pytest.raises(UsageError, match="must start with https://"):
        GitHubClient("t", api_url="ftp://example.com")


# -- retries --------------------------------------------------------------------------------


def test_retries_a_502_then_succeeds(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_server_error(502)
    client, sleeps = make_client(fake_github.url)
    assert client.viewer_login() == "octocat"
    assert sleeps == [1.0]
    assert statuses(fake_github) == [("GET", "/user", 502), ("GET", "/user", 200)]


def test_honours_retry_after_of_a_secondary_rate_limit(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_secondary_rate_limit(retry_after=7)
    client, sleeps = make_client(fake_github.url)
    assert client.viewer_login() == "octocat"
    assert sleeps == [7.0]
    assert [r.status for r in fake_github.requests] == [403, 200]


def test_secondary_rate_limit_without_retry_after_waits_a_minute(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_secondary_rate_limit(retry_after=None)
    client, sleeps = make_client(fake_github.url)
    assert client.viewer_login() == "octocat"
    assert sleeps == [60.0]


def test_secondary_rate_limit_guess_is_shortened_by_the_cap(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_secondary_rate_limit(retry_after=None)
    client, sleeps = make_client(fake_github.url, max_wait=20)
    assert client.viewer_login() == "octocat"
    assert sleeps == [20.0]


def test_retry_after_beyond_the_cap_fails_at_once(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_secondary_rate_limit(retry_after=120)
    client, sleeps = make_client(fake_github.url, max_wait=60)
    with pytest.raises(GitHubRateLimitError, match="would need a wait of 120 s"):
        client.viewer_login()
    assert sleeps == []


def test_primary_rate_limit_waits_until_the_reset(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_primary_rate_limit(reset_at=int(NOW) + 30)
    client, sleeps = make_client(fake_github.url)
    assert client.viewer_login() == "octocat"
    assert sleeps == [31.0]  # until the reset, plus a second for clock differences


def test_primary_rate_limit_as_429_is_retried_too(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_primary_rate_limit(reset_at=int(NOW) + 5, status=429)
    client, sleeps = make_client(fake_github.url)
    assert client.viewer_login() == "octocat"
    assert sleeps == [6.0]


def test_rate_limit_reset_beyond_the_wait_cap_fails_at_once(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_primary_rate_limit(reset_at=int(NOW) + 3600)
    client, sleeps = make_client(fake_github.url, max_wait=60)
    with pytest.raises(GitHubRateLimitError) as caught:
        client.viewer_login()
    assert sleeps == []
    assert len(fake_github.requests) == 1
    assert str(caught.value) == (
        f"GitHub rate limit (403) on GET /user ({fake_github.url}): would need a wait of "
        "3601 s, more than the 60 s allowed"
    )
    assert caught.value.exit_code == ExitCode.SERVICE


def test_gives_up_on_a_rate_limit_after_max_attempts(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_secondary_rate_limit(retry_after=2, times=3)
    client, sleeps = make_client(fake_github.url, max_attempts=3)
    with pytest.raises(GitHubRateLimitError) as caught:
        client.viewer_login()
    assert sleeps == [2.0, 2.0]
    assert len(fake_github.requests) == 3
    assert str(caught.value) == (
        f"GitHub rate limit (403) on GET /user ({fake_github.url}): still in force after 3 attempts"
    )
    assert caught.value.status == 403


def test_gives_up_on_server_errors_after_max_attempts_with_exponential_backoff(
    fake_github: FakeGitHub,
) -> None:
    fake_github.enqueue_server_error(502, times=5)
    client, sleeps = make_client(fake_github.url)
    with pytest.raises(GitHubError) as caught:
        client.request("GET", f"/repos/{DEFAULT_REPO}/pulls/1")
    assert type(caught.value) is GitHubError
    assert caught.value.status == 502
    assert str(caught.value) == (
        f"GitHub answered 502 Bad Gateway to GET /repos/{DEFAULT_REPO}/pulls/1 "
        f"({fake_github.url}) 5 times; giving up"
    )
    assert "githubstatus.com" in (caught.value.hint or "")
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert len(fake_github.requests) == 5


def test_backoff_is_capped_by_max_wait(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_server_error(503, times=3)
    client, sleeps = make_client(fake_github.url, backoff=10, max_wait=15)
    assert client.viewer_login() == "octocat"
    assert sleeps == [10.0, 15.0, 15.0]


def test_jitter_is_applied_to_backoff(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_server_error(500)
    fake_github.enqueue_server_error(500)
    client, sleeps = make_client(fake_github.url, max_wait=1.5, jitter=lambda delay: delay + 0.25)
    assert client.viewer_login() == "octocat"
    assert sleeps == [1.25, 1.5]  # 2.25 after jitter, capped


def test_connection_errors_are_retried_then_reported() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    client, sleeps = make_client(url, max_attempts=3, timeout=2)
    with pytest.raises(GitHubError) as caught:
        client.viewer_login()
    assert sleeps == [1.0, 2.0]
    assert str(caught.value) == (
        f"could not reach GitHub at {url} for GET /user after 3 attempts (ConnectionError)"
    )


# -- errors -----------------------------------------------------------------------------------


def test_401_means_the_token_was_rejected(fake_github: FakeGitHub) -> None:
    client, _ = make_client(fake_github.url, token="ghp_unknown")
    with pytest.raises(GitHubAuthError) as caught:
        client.request("GET", f"/repos/{DEFAULT_REPO}/issues/1/comments")
    assert str(caught.value) == (
        f"GitHub rejected the token (401 Bad credentials) on GET /repos/{DEFAULT_REPO}"
        "/issues/1/comments"
    )
    assert "`github-token` input" in (caught.value.hint or "")
    assert "GITHUB_TOKEN" in (caught.value.hint or "")
    assert caught.value.status == 401


def test_403_names_the_permission_and_forks(fake_github: FakeGitHub) -> None:
    client, _ = make_client(fake_github.url, token=READ_ONLY_TOKEN)
    with pytest.raises(GitHubAuthError) as caught:
        client.request("POST", f"/repos/{DEFAULT_REPO}/issues/1/comments", json={"body": "x"})
    assert str(caught.value) == (
        f"the token is not allowed to POST /repos/{DEFAULT_REPO}/issues/1/comments "
        "(403 Resource not accessible by integration)"
    )
    assert caught.value.hint == (
        "Give the workflow `pull-requests: write` (or `issues: write`) in its `permissions:`. "
        "Pull requests from forks get a read-only GITHUB_TOKEN, so modelci cannot comment on "
        "them from a `pull_request` workflow."
    )


def test_404_names_the_resource(fake_github: FakeGitHub) -> None:
    client, _ = make_client(fake_github.url)
    with pytest.raises(GitHubNotFoundError) as caught:
        client.request("GET", "/repos/octo-org/nope/issues/7/comments")
    assert str(caught.value) == (
        "GitHub found no pull request or issue #7 in octo-org/nope "
        "(GET /repos/octo-org/nope/issues/7/comments: 404 Not Found)"
    )
    assert "pull request number" in (caught.value.hint or "")
    assert "private repository" in (caught.value.hint or "")


def test_422_carries_githubs_message_and_errors(fake_github: FakeGitHub) -> None:
    client, _ = make_client(fake_github.url, token=WORKFLOW_TOKEN)
    with pytest.raises(GitHubError) as caught:
        client.request(
            "POST", f"/repos/{DEFAULT_REPO}/issues/1/comments", json={"body": "x" * 65_537}
        )
    assert str(caught.value) == (
        f"GitHub refused POST /repos/{DEFAULT_REPO}/issues/1/comments (422): Validation Failed: "
        "body is too long (maximum is 65536 characters)"
    )
    assert caught.value.exit_code == ExitCode.SERVICE


def test_viewer_login_of_the_workflow_token_is_the_actions_bot(fake_github: FakeGitHub) -> None:
    client, _ = make_client(fake_github.url, token=WORKFLOW_TOKEN)
    assert client.viewer_login() == "github-actions[bot]"
    assert statuses(fake_github) == [("GET", "/user", 403)]


def test_viewer_login_with_an_unknown_token_is_an_auth_error(fake_github: FakeGitHub) -> None:
    client, _ = make_client(fake_github.url, token="ghp_unknown")
    with pytest.raises(GitHubAuthError, match=r"^GitHub rejected the token \(401"):
        client.viewer_login()


CANARY = "ghp_CANARY1234567890secretTOKENvalue"


def test_the_token_appears_in_no_message_repr_traceback_or_log(
    fake_github: FakeGitHub, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    def expect_error(call: Any) -> None:
        with pytest.raises(Exception) as caught:  # the kinds are checked below
            call()
        errors.append(caught.value)

    client, _ = make_client(fake_github.url, token=CANARY, max_attempts=2)
    expect_error(client.viewer_login)  # 401: unknown token
    fake_github.add_token(CANARY, "github-actions[bot]", installation=True, read_only=True)
    comments = f"/repos/{DEFAULT_REPO}/issues/1/comments"
    expect_error(lambda: client.request("POST", comments, json={"body": "x"}))  # 403
    expect_error(lambda: client.request("GET", "/repos/octo-org/nope/issues/1/comments"))  # 404
    fake_github.add_token(CANARY, "github-actions[bot]", installation=True)
    expect_error(lambda: client.request("POST", comments, json={"body": ""}))  # 422
    fake_github.enqueue_server_error(502, times=2)
    expect_error(client.viewer_login)  # 5xx, gave up
    fake_github.enqueue_secondary_rate_limit(times=2)
    expect_error(client.viewer_login)  # rate limit, gave up
    offline, _ = make_client(f"http://127.0.0.1:{free_port()}", token=CANARY, max_attempts=1)
    expect_error(offline.viewer_login)  # connection refused
    expect_error(lambda: GitHubClient(f"{CANARY}\nX-Evil: 1"))  # requests would quote the header
    expect_error(lambda: GitHubClient(f"{CANARY} x"))

    assert [type(e).__name__ for e in errors] == [
        "GitHubAuthError",
        "GitHubAuthError",
        "GitHubNotFoundError",
        "GitHubError",
        "GitHubError",
        "GitHubRateLimitError",
        "GitHubError",
        "GitHubAuthError",
        "GitHubAuthError",
    ]
    texts = [repr(client), repr(offline), str(client.__dict__.get("api_url")), caplog.text]
    for error in errors:
        texts += [str(error), repr(error), str(getattr(error, "hint", ""))]
        texts.append("".join(traceback.format_exception(error)))
    out, err = capsys.readouterr()
    texts += [out, err]
    for text in texts:
        assert CANARY not in text
        assert CANARY[-16:] not in text  # not even a part of it


# -- pagination -----------------------------------------------------------------------------


def test_paginate_follows_link_headers_over_all_pages(fake_github: FakeGitHub) -> None:
    fake_github.add_comments(DEFAULT_REPO, 1, 250, body="comment {i}")
    client, _ = make_client(fake_github.url)
    bodies = [c["body"] for c in client.paginate(f"/repos/{DEFAULT_REPO}/issues/1/comments")]
    assert bodies == [f"comment {i}" for i in range(250)]
    path = f"/repos/{DEFAULT_REPO}/issues/1/comments"
    assert [r.path for r in fake_github.requests] == [
        f"{path}?per_page=100",
        f"{path}?per_page=100&page=2",
        f"{path}?per_page=100&page=3",
    ]


def test_paginate_of_an_empty_list_makes_one_request(fake_github: FakeGitHub) -> None:
    client, _ = make_client(fake_github.url)
    assert list(client.paginate(f"/repos/{DEFAULT_REPO}/issues/2/comments")) == []
    assert len(fake_github.requests) == 1


def test_paginate_refuses_a_link_to_another_host(fake_github: FakeGitHub) -> None:
    fake_github.enqueue(
        200, [], headers={"Link": '<https://elsewhere.example/x?page=2>; rel="next"'}
    )
    client, _ = make_client(fake_github.url)
    with pytest.raises(GitHubError, match="points to another host"):
        list(client.paginate(f"/repos/{DEFAULT_REPO}/issues/1/comments"))
    assert len(fake_github.requests) == 1


# -- through the Prism proxy: the same calls, checked against GitHub's OpenAPI description ---


def test_pagination_through_the_proxy_meets_the_contract(api: ProxiedGitHub) -> None:
    api.fake.add_comments(DEFAULT_REPO, 1, 130, body="comment {i}")
    client, _ = make_client(api.url, token=WORKFLOW_TOKEN, session=api.contract.session())
    comments = list(client.paginate(f"/repos/{DEFAULT_REPO}/issues/1/comments"))
    assert [c["body"] for c in comments] == [f"comment {i}" for i in range(130)]
    assert [r.status for r in api.fake.requests] == [200, 200]


def test_user_and_pull_request_answers_meet_the_contract(api: ProxiedGitHub) -> None:
    client, _ = make_client(api.url, token=USER_TOKEN, session=api.contract.session())
    assert client.viewer_login() == "octocat"
    pull = client.request("GET", f"/repos/{DEFAULT_REPO}/pulls/2").json()
    assert (pull["number"], pull["head"]["ref"], pull["base"]["repo"]["full_name"]) == (
        2,
        "feature-2",
        DEFAULT_REPO,
    )
    bot, _ = make_client(api.url, token=WORKFLOW_TOKEN, session=api.contract.session())
    assert bot.viewer_login() == "github-actions[bot]"


def test_retries_through_the_proxy(api: ProxiedGitHub) -> None:
    # GitHub's description declares neither 502 nor a rate-limit 403 for GET /user's siblings,
    # so Prism warns about the injected statuses; nothing else may be reported.
    api.contract.allow(UNDECLARED_STATUS)
    api.fake.enqueue_server_error(502, method="GET")
    api.fake.enqueue_secondary_rate_limit(retry_after=3, method="POST")
    client, sleeps = make_client(api.url, token=WORKFLOW_TOKEN, session=api.contract.session())
    path = f"/repos/{DEFAULT_REPO}/issues/1/comments"
    assert list(client.paginate(path)) == []
    created = client.request("POST", path, json={"body": "hello"}).json()
    assert created["body"] == "hello"
    assert sleeps == [1.0, 3.0]
    assert [(r.method, r.status) for r in api.fake.requests] == [
        ("GET", 502),
        ("GET", 200),
        ("POST", 403),
        ("POST", 201),
    ]


def test_error_bodies_through_the_proxy_meet_the_contract(api: ProxiedGitHub) -> None:
    client, _ = make_client(api.url, token=READ_ONLY_TOKEN, session=api.contract.session())
    with pytest.raises(GitHubAuthError):
        client.request("POST", f"/repos/{DEFAULT_REPO}/issues/1/comments", json={"body": "x"})
    with pytest.raises(GitHubNotFoundError):
        client.request("GET", "/repos/octo-org/nope/issues/1/comments")
    writer, _ = make_client(api.url, token=WORKFLOW_TOKEN, session=api.contract.session())
    with pytest.raises(GitHubError, match=re.escape("body is too long")):
        writer.request(
            "POST", f"/repos/{DEFAULT_REPO}/issues/1/comments", json={"body": "x" * 65_537}
        )


# -- answers that are not JSON ----------------------------------------------------------------


def test_an_html_answer_is_a_service_error_naming_what_came_and_from_where(
    fake_github: FakeGitHub,
) -> None:
    # A proxy's login page, or the web address given instead of the API root, answers 200.
    fake_github.enqueue(200, "<!DOCTYPE html>\n<html><title>Sign in</title></html>", method="GET")
    client, _ = make_client(fake_github.url)
    path = f"/repos/{DEFAULT_REPO}/issues/1/comments"
    with pytest.raises(GitHubError) as caught:
        list(client.paginate(path))
    error = caught.value
    assert error.exit_code == ExitCode.SERVICE
    assert error.status == 200
    assert error.message == (
        "GitHub's API answered 200 with text/html; charset=utf-8, not JSON, from "
        f"{fake_github.url}{path} (it starts: '<!DOCTYPE html> <html><title>Sign in</title></html>')"
    )
    assert error.hint is not None and "/api/v3" in error.hint


def test_an_empty_answer_to_get_user_is_a_service_error(fake_github: FakeGitHub) -> None:
    fake_github.enqueue(200, "", method="GET", path=r"^/user$")
    client, _ = make_client(fake_github.url)
    with pytest.raises(
        GitHubError, match=r"answered 200 with .*, not JSON, from .*/user \(an empty body\)"
    ):
        client.viewer_login()


def test_an_upload_url_on_another_host_gets_no_token() -> None:
    client = GitHubClient("ghs_x", api_url="https://api.github.com")
    with pytest.raises(
        GitHubError, match=r"points to another host \(evil\.example\); not uploading"
    ):
        client.upload_release_asset(
            "https://evil.example/repos/o/r/releases/1/assets{?name,label}",
            "sbom.cdx.json",
            b"{}",
            content_type="application/octet-stream",
        )
