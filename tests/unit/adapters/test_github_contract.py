"""The contract check itself: Prism must catch requests and responses that break GitHub's spec.

Without these, a proxy that validated nothing would let every contract test pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.fake_github import DEFAULT_REPO, WORKFLOW_TOKEN, FakeGitHub
from tests.support.prism import (
    UNDECLARED_STATUS,
    ContractCheck,
    ContractViolation,
    PrismProxy,
    require_prism,
)

COMMENTS = f"/repos/{DEFAULT_REPO}/issues/1/comments"
HEADERS = {"Authorization": f"Bearer {WORKFLOW_TOKEN}", "Accept": "application/vnd.github+json"}


@pytest.fixture
def raw(prism_github: tuple[FakeGitHub, PrismProxy]) -> Iterator[tuple[FakeGitHub, PrismProxy]]:
    """The proxy without the per-test check: these tests break the contract on purpose."""
    fake, proxy = prism_github
    fake.reset()
    yield fake, proxy
    proxy.sync()  # leave nothing unflushed for the next test's check


def violations(response: requests.Response) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(response.headers.get("sl-violations", "[]"))
    return found


def test_a_post_without_body_is_rejected_and_reported(
    raw: tuple[FakeGitHub, PrismProxy],
) -> None:
    fake, proxy = raw
    check = ContractCheck(proxy)
    session = check.session()
    response = session.post(proxy.url + COMMENTS, json={"text": "hi"}, headers=HEADERS, timeout=10)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY"
    assert problem["validation"] == [
        {
            "location": ["body"],
            "severity": "Error",
            "code": "required",
            "message": "Request body must have required property 'body'",
        }
    ]
    assert fake.requests == []  # never reached the fake
    problems = check.problems()
    assert len(problems) == 1
    assert "post /repos/octo-org/model-repo/issues/1/comments" in problems[0]
    assert "UNPROCESSABLE_ENTITY" in problems[0]
    with pytest.raises(ContractViolation, match="1 GitHub API contract violation") as caught:
        check.verify()
    # The report carries Prism's specifics, noted from the response by the session.
    assert f"What Prism said:\nPOST {COMMENTS} -> 422: " in str(caught.value)
    assert "Request body must have required property 'body'" in str(caught.value)


def test_a_body_of_the_wrong_type_is_reported(raw: tuple[FakeGitHub, PrismProxy]) -> None:
    fake, proxy = raw
    comment_id = fake.add_comment(DEFAULT_REPO, 1, "old", author="github-actions[bot]")
    check = ContractCheck(proxy)
    response = requests.patch(
        f"{proxy.url}/repos/{DEFAULT_REPO}/issues/comments/{comment_id}",
        json={"body": 5},
        headers=HEADERS,
        timeout=10,
    )
    assert response.status_code == 422
    assert (
        response.json()["validation"][0]["message"] == "Request body property body must be string"
    )
    assert fake.comment(comment_id).body == "old"
    with pytest.raises(ContractViolation):
        check.verify()


def test_a_response_missing_required_fields_is_reported(
    raw: tuple[FakeGitHub, PrismProxy],
) -> None:
    fake, proxy = raw
    check = ContractCheck(proxy)
    # What a careless fake might answer: a comment without node_id, user, dates, issue_url...
    fake.enqueue(201, {"id": 1, "body": "hi", "html_url": "https://github.com/x"}, method="POST")
    response = requests.post(proxy.url + COMMENTS, json={"body": "hi"}, headers=HEADERS, timeout=10)
    assert response.status_code == 500
    assert response.json()["type"] == "https://stoplight.io/prism/errors#VIOLATIONS"
    messages = {v["message"] for v in violations(response)}
    assert "Response body must have required property 'user'" in messages
    assert "Response body must have required property 'node_id'" in messages
    problems = check.problems()
    assert any("VIOLATIONS" in line for line in problems)


def test_a_nested_schema_error_in_a_response_is_reported(
    raw: tuple[FakeGitHub, PrismProxy],
) -> None:
    fake, proxy = raw
    check = ContractCheck(proxy)
    good = requests.post(proxy.url + COMMENTS, json={"body": "hi"}, headers=HEADERS, timeout=10)
    assert good.status_code == 201
    assert violations(good) == []
    broken = good.json()
    del broken["user"]["login"]  # simple-user requires a login
    broken["reactions"]["total_count"] = "none"
    fake.enqueue(200, [broken], method="GET")
    response = requests.get(proxy.url + COMMENTS, headers=HEADERS, timeout=10)
    assert response.status_code == 500
    messages = sorted(v["message"] for v in violations(response))
    assert messages == [
        "Response body property 0.reactions.total_count must be integer",
        "Response body property 0.user must have required property 'login'",
    ]
    assert len(check.problems()) == 1


def test_an_undeclared_status_is_a_warning_that_tests_may_allow(
    raw: tuple[FakeGitHub, PrismProxy],
) -> None:
    fake, proxy = raw
    check = ContractCheck(proxy)
    fake.enqueue_server_error(502)
    response = requests.get(proxy.url + COMMENTS, headers=HEADERS, timeout=10)
    assert response.status_code == 502  # passed through, but flagged
    assert violations(response) == [
        {
            "location": ["response"],
            "severity": "Warning",
            "message": "Unable to match the returned status code with those defined in the "
            "document: 200,404,410",
        }
    ]
    assert len(check.problems()) == 1
    check.allow(UNDECLARED_STATUS)
    check.verify()


def test_an_unknown_path_is_reported(raw: tuple[FakeGitHub, PrismProxy]) -> None:
    _, proxy = raw
    check = ContractCheck(proxy)
    response = requests.get(f"{proxy.url}/repos/{DEFAULT_REPO}/no-such-thing", timeout=10)
    assert response.status_code == 404
    assert response.json()["type"] == "https://stoplight.io/prism/errors#NO_PATH_MATCHED_ERROR"
    assert any("NO_PATH_MATCHED_ERROR" in line for line in check.problems())


def test_prism_missing_fails_in_ci_and_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.support.prism.prism_missing", lambda: "node is not installed")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: never skipped"):
        require_prism()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="needs Prism: node is not installed"):
        require_prism()
