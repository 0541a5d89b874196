"""The retraining pull request: opened once, then edited in place; labelled; body within limits.

The API tests run through the Prism proxy (`api` fixture): every request and answer is checked
against GitHub's OpenAPI description.
"""

from __future__ import annotations

from typing import Any

import pytest

from modelci.adapters.github import GitHubClient
from modelci.errors import GitHubError, UsageError
from modelci.operations.retrain_pr import (
    MAX_BODY_CHARS,
    RetrainPullRequest,
    compose_body,
    fit_to_limit,
    open_or_update_pull_request,
)
from tests.support.fake_github import DEFAULT_REPO, READ_ONLY_TOKEN, WORKFLOW_TOKEN, FakeGitHub
from tests.support.prism import UNDECLARED_STATUS, ProxiedGitHub

BRANCH = "modelci/retrain"


def proxied(api: ProxiedGitHub, token: str = WORKFLOW_TOKEN) -> GitHubClient:
    session = api.contract.session()
    return GitHubClient(token, api_url=api.url, session=session, sleep=lambda _: None)


def _open(
    client: GitHubClient,
    body: str = "## Drift\nyes\n",
    *,
    branch: str = BRANCH,
    title: str = "Retrain the model on new data",
    labels: tuple[str, ...] = ("modelci-retrain",),
) -> RetrainPullRequest:
    return open_or_update_pull_request(
        client, DEFAULT_REPO, branch=branch, base="main", title=title, body=body, labels=labels
    )


def test_first_run_opens_the_pull_request_with_the_label(api: ProxiedGitHub) -> None:
    result = _open(proxied(api))
    [pull] = api.fake.pull_requests(DEFAULT_REPO)
    assert (result.action, result.number) == ("created", pull.number)
    assert (pull.head, pull.base, pull.body, pull.labels) == (
        BRANCH,
        "main",
        "## Drift\nyes\n",
        ["modelci-retrain"],
    )
    assert result.html_url == f"https://github.com/{DEFAULT_REPO}/pull/{pull.number}"
    assert [(r.method, r.path.split("?")[0]) for r in api.fake.requests] == [
        ("GET", f"/repos/{DEFAULT_REPO}/pulls"),
        ("POST", f"/repos/{DEFAULT_REPO}/pulls"),
        ("POST", f"/repos/{DEFAULT_REPO}/issues/{pull.number}/labels"),
    ]
    assert "head=octo-org%3Amodelci%2Fretrain" in api.fake.requests[0].path
    assert "state=open" in api.fake.requests[0].path


def test_second_run_edits_the_open_pull_request_and_opens_none(api: ProxiedGitHub) -> None:
    first = _open(proxied(api))
    second = _open(proxied(api), "## Drift\nmore\n", title="Retrain again")
    [pull] = api.fake.pull_requests(DEFAULT_REPO)
    assert (second.action, second.number) == ("updated", first.number)
    assert (pull.title, pull.body, pull.labels) == (
        "Retrain again",
        "## Drift\nmore\n",
        ["modelci-retrain"],
    )
    # The label was there already: not added twice.
    assert [r.method for r in api.fake.requests_matching(path="/labels")] == ["POST"]
    assert [r.method for r in api.fake.requests_matching(path=r"/pulls/\d+$")] == ["PATCH"]


def test_an_unchanged_body_edits_nothing(api: ProxiedGitHub) -> None:
    _open(proxied(api))
    api.fake.clear_requests()
    result = _open(proxied(api))
    assert result.action == "unchanged"
    assert [r.method for r in api.fake.requests] == ["GET"]


def test_a_closed_pull_request_or_another_branch_is_not_reused(api: ProxiedGitHub) -> None:
    closed = api.fake.add_pull_request(DEFAULT_REPO, head=BRANCH, state="closed")
    other = api.fake.add_pull_request(DEFAULT_REPO, head="modelci/retrain-gpu")
    result = _open(proxied(api))
    assert result.action == "created"
    assert result.number not in {closed, other}
    by_number = {p.number: p for p in api.fake.pull_requests(DEFAULT_REPO)}
    assert by_number[other].body is None and by_number[closed].state == "closed"


def test_a_5xx_after_opening_finds_the_pull_request_instead_of_opening_another(
    api: ProxiedGitHub,
) -> None:
    api.fake.enqueue(
        502, {"message": "Server Error"}, method="POST", path=r"/pulls$", after_processing=True
    )
    result = _open(proxied(api))
    assert len(api.fake.pull_requests(DEFAULT_REPO)) == 1
    assert result.action == "unchanged"  # the pull request GitHub opened has this very body
    assert api.fake.pull_requests(DEFAULT_REPO)[0].labels == ["modelci-retrain"]
    api.contract.allow(UNDECLARED_STATUS)


def test_a_read_only_token_fails_with_the_permission_to_grant(api: ProxiedGitHub) -> None:
    with pytest.raises(GitHubError) as caught:
        _open(proxied(api, READ_ONLY_TOKEN))
    assert caught.value.status == 403
    assert "`pull-requests: write`" in (caught.value.hint or "")
    assert api.fake.pull_requests(DEFAULT_REPO) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"branch": "main"}, "the retraining branch and the base are both 'main'"),
        ({"branch": "a..b"}, "branch must be a plain git branch name, got 'a..b'"),
        ({"branch": "-x"}, "branch must be a plain git branch name, got '-x'"),
        ({"labels": ("a,b",)}, "label must be 1 to 50 characters without commas"),
        ({"title": "  "}, "the pull request title is empty"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(
    fake_github: FakeGitHub, kwargs: dict[str, Any], message: str
) -> None:
    client = GitHubClient(WORKFLOW_TOKEN, api_url=fake_github.url)
    with pytest.raises(UsageError) as caught:
        _open(client, **kwargs)
    assert caught.value.message.startswith(message)
    assert fake_github.requests == []


# -- the body ---------------------------------------------------------------------------------


def test_compose_body_joins_the_reports_in_order() -> None:
    assert compose_body("## Drift\nx\n\n", "", "## Check\ny") == "## Drift\nx\n\n## Check\ny\n"


def test_a_body_within_the_limit_is_kept_whole() -> None:
    body = "## A\n" + "x" * 100
    assert fit_to_limit(body, 1000) == (body, False)


def test_a_long_body_is_cut_by_structure_with_a_visible_note() -> None:
    details = "<details><summary>Samples</summary>\n\n" + "y\n" * 600 + "\n</details>\n"
    body = "## Drift\n\n**Drift in 2 of 5 columns**\n\n" + details + "\n### Commits\n\nabc\n"
    text, cut = fit_to_limit(body, 1000)
    assert cut and len(text) <= 1000
    assert "**Drift in 2 of 5 columns**" in text and "abc" in text
    assert "<details>" not in text  # the collapsed details went first, nothing left open
    assert "job summary" in text


def test_one_huge_section_is_cut_at_a_line() -> None:
    body = "## Only\n" + ("z" * 99 + "\n") * 50
    text, cut = fit_to_limit(body, 1000)
    assert cut and len(text) <= 1000 and text.startswith("## Only\n")
    assert text.count("<details>") == text.count("</details>")


def test_the_default_limit_is_githubs() -> None:
    text, cut = fit_to_limit("## A\n" + "w\n" * MAX_BODY_CHARS)
    assert cut and len(text) <= 65_536
