"""The sticky comment: created once, edited in place, never duplicated, others left alone.

Most tests run through the Prism proxy (`api` fixture), so every request and answer is checked
against GitHub's OpenAPI description; the pure ones and a few fast ones use no server at all
or the fake directly.
"""

from __future__ import annotations

import pytest

from modelci.adapters.github import GitHubClient
from modelci.errors import UsageError
from modelci.operations.comment import (
    MAX_COMMENT_CHARS,
    CommentResult,
    marker,
    render_comment_body,
    upsert_sticky_comment,
)
from tests.support.fake_github import (
    BOT_LOGIN,
    DEFAULT_REPO,
    USER_TOKEN,
    WORKFLOW_TOKEN,
    FakeGitHub,
)
from tests.support.prism import ProxiedGitHub

MARK = "<!-- modelci:comment-id=modelci -->"


def client_for(url: str, token: str = WORKFLOW_TOKEN) -> GitHubClient:
    return GitHubClient(token, api_url=url, sleep=lambda _: None, jitter=None)


def proxied(api: ProxiedGitHub, token: str = WORKFLOW_TOKEN) -> GitHubClient:
    """A client through Prism whose session notes Prism's details for a failure report."""
    session = api.contract.session()
    return GitHubClient(token, api_url=api.url, session=session, sleep=lambda _: None)


def html_url(comment_id: int, repo: str = DEFAULT_REPO, pr: int = 1) -> str:
    return f"https://github.com/{repo}/pull/{pr}#issuecomment-{comment_id}"


def writes(fake: FakeGitHub) -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in fake.requests if r.method != "GET"]


# -- the body ---------------------------------------------------------------------------------


def test_marker_is_a_hidden_html_comment_with_the_id() -> None:
    assert marker("modelci") == MARK
    assert marker("gpu.v2_a-b") == "<!-- modelci:comment-id=gpu.v2_a-b -->"


@pytest.mark.parametrize("bad", ["", "two words", "a-->b", "ü", "x/y", "id\n"])
def test_comment_ids_outside_the_allowed_characters_are_refused(bad: str) -> None:
    with pytest.raises(UsageError, match="comment id must use only"):
        marker(bad)


def test_body_starts_with_the_marker() -> None:
    assert render_comment_body("## Report\n", "modelci") == (f"{MARK}\n## Report\n", False)


def test_body_of_exactly_the_limit_is_not_cut() -> None:
    body = "x" * (MAX_COMMENT_CHARS - len(MARK) - 1)
    text, truncated = render_comment_body(body)
    assert (len(text), truncated) == (MAX_COMMENT_CHARS, False)


NOTE = "> [!NOTE]\n> Cut to fit GitHub's 65,536-character limit for a comment: "
WHERE = "The full results are in the job summary and the workflow artifact (report.json)."


def test_a_long_table_is_cut_by_rows_with_a_count_and_fits_the_limit() -> None:
    lines = [f"| row {i:05d} | {'x' * 50} |" for i in range(2000)]  # 66 chars a line
    text, truncated = render_comment_body("\n".join(lines))
    assert truncated
    assert MAX_COMMENT_CHARS - 500 < len(text) <= MAX_COMMENT_CHARS  # not cut much more
    assert text.startswith(f"{MARK}\n| row 00000 |")
    kept = [line for line in text.splitlines() if line.startswith("| row ")]
    assert all(line.endswith(" |") for line in kept)  # whole rows only
    assert f"_{2000 - len(kept):,} more rows in report.json._" in text


def test_collapsed_details_go_first_and_the_note_is_outside_them() -> None:
    body = (
        "## Report\n\n**Fail: 1 of 1 gate failed**\n\n"
        "<details><summary>Rows</summary>\n\n```\n" + "row\n" * 20_000 + "```\n</details>\n"
    )
    text, truncated = render_comment_body(body)
    assert truncated
    assert len(text) <= MAX_COMMENT_CHARS
    assert text == (
        f"{MARK}\n## Report\n\n**Fail: 1 of 1 gate failed**\n\n{NOTE}“Rows” (collapsed). {WHERE}\n"
    )


def test_the_comment_of_an_oversized_report_keeps_the_verdict() -> None:
    from modelci.report import render_markdown
    from tests.unit.report.reports import oversized_report

    body = render_markdown(oversized_report(), max_chars=10**7)  # as if rendered without a cap
    text, truncated = render_comment_body(body)
    assert truncated and len(text) <= MAX_COMMENT_CHARS
    assert text.startswith(f"{MARK}\n## ❌ Fraud model\n\n**Fail: 1 of 1 gate failed")
    for section in ("### Gates", "### Params changed", "### Data validation", "Compared: "):
        assert section in text
    assert text.count("<details") == text.count("</details>")


def test_a_body_without_newlines_is_cut_too() -> None:
    text, truncated = render_comment_body("y" * 200_000)
    assert truncated
    assert MAX_COMMENT_CHARS - 500 < len(text) <= MAX_COMMENT_CHARS
    assert text.endswith(f"{NOTE}the end of the longest remaining block. {WHERE}\n")


# -- validation happens before any request ----------------------------------------------------


@pytest.mark.parametrize("repo", ["octo-org", "octo-org/", "/model", "a/b/c", "octo org/x", "o/.."])
def test_a_malformed_repo_is_refused_up_front(fake_github: FakeGitHub, repo: str) -> None:
    with pytest.raises(UsageError, match="repository must be OWNER/NAME"):
        upsert_sticky_comment(client_for(fake_github.url), repo, 1, "body")
    assert fake_github.requests == []


def test_a_bad_comment_id_or_pr_is_refused_up_front(fake_github: FakeGitHub) -> None:
    client = client_for(fake_github.url)
    with pytest.raises(UsageError, match="comment id"):
        upsert_sticky_comment(client, DEFAULT_REPO, 1, "body", comment_id="no spaces")
    with pytest.raises(UsageError, match="positive integer"):
        upsert_sticky_comment(client, DEFAULT_REPO, 0, "body")
    assert fake_github.requests == []


# -- fast, against the fake directly ---------------------------------------------------------


def test_create_then_update_against_the_fake(fake_github: FakeGitHub) -> None:
    client = client_for(fake_github.url)
    first = upsert_sticky_comment(client, DEFAULT_REPO, 1, "v1")
    second = upsert_sticky_comment(client, DEFAULT_REPO, 1, "v2")
    assert (first.action, second.action, second.id) == ("created", "updated", first.id)
    assert [(c.author, c.body) for c in fake_github.comments()] == [(BOT_LOGIN, f"{MARK}\nv2")]


def test_crlf_stored_by_github_counts_as_unchanged(fake_github: FakeGitHub) -> None:
    comment_id = fake_github.add_comment(
        DEFAULT_REPO, 1, f"{MARK}\r\nline 1\r\nline 2", author=BOT_LOGIN
    )
    result = upsert_sticky_comment(client_for(fake_github.url), DEFAULT_REPO, 1, "line 1\nline 2")
    assert result == CommentResult("unchanged", comment_id, html_url(comment_id), False)
    assert writes(fake_github) == []


def test_the_author_option_skips_the_identity_lookup(fake_github: FakeGitHub) -> None:
    upsert_sticky_comment(client_for(fake_github.url), DEFAULT_REPO, 1, "x", author=BOT_LOGIN)
    assert [r.path for r in fake_github.requests if r.path == "/user"] == []


def test_author_is_compared_case_insensitively(fake_github: FakeGitHub) -> None:
    comment_id = fake_github.add_comment(DEFAULT_REPO, 1, f"{MARK}\nold", author=BOT_LOGIN)
    result = upsert_sticky_comment(
        client_for(fake_github.url), DEFAULT_REPO, 1, "new", author="GitHub-Actions[bot]"
    )
    assert (result.action, result.id) == ("updated", comment_id)


# -- through the Prism proxy -----------------------------------------------------------------


def test_first_call_creates_exactly_one_comment(api: ProxiedGitHub) -> None:
    result = upsert_sticky_comment(proxied(api), DEFAULT_REPO, 1, "## Model report\n")
    comments = api.fake.comments()
    assert len(comments) == 1
    assert result == CommentResult("created", comments[0].id, html_url(comments[0].id), False)
    assert (comments[0].author, comments[0].body) == (BOT_LOGIN, f"{MARK}\n## Model report\n")
    assert writes(api.fake) == [("POST", f"/repos/{DEFAULT_REPO}/issues/1/comments", 201)]


def test_second_call_updates_the_same_comment(api: ProxiedGitHub) -> None:
    client = proxied(api)
    first = upsert_sticky_comment(client, DEFAULT_REPO, 1, "F1 0.80")
    second = upsert_sticky_comment(client, DEFAULT_REPO, 1, "F1 0.85")
    assert second == CommentResult("updated", first.id, html_url(first.id), False)
    assert [c.body for c in api.fake.comments()] == [f"{MARK}\nF1 0.85"]
    assert writes(api.fake) == [
        ("POST", f"/repos/{DEFAULT_REPO}/issues/1/comments", 201),
        ("PATCH", f"/repos/{DEFAULT_REPO}/issues/comments/{first.id}", 200),
    ]


def test_identical_body_is_left_unchanged(api: ProxiedGitHub) -> None:
    client = proxied(api)
    first = upsert_sticky_comment(client, DEFAULT_REPO, 1, "same")
    api.fake.clear_requests()
    again = upsert_sticky_comment(client, DEFAULT_REPO, 1, "same")
    assert again == CommentResult("unchanged", first.id, html_url(first.id), False)
    assert writes(api.fake) == []
    assert len(api.fake.comments()) == 1


def test_our_comment_on_page_two_is_found_and_updated(api: ProxiedGitHub) -> None:
    api.fake.add_comments(DEFAULT_REPO, 1, 110, author="reviewer")
    ours = api.fake.add_comment(DEFAULT_REPO, 1, f"{MARK}\nold report", author=BOT_LOGIN)
    api.fake.add_comments(DEFAULT_REPO, 1, 15, author="reviewer")
    result = upsert_sticky_comment(proxied(api), DEFAULT_REPO, 1, "new report")
    assert (result.action, result.id) == ("updated", ours)
    assert len(api.fake.comments()) == 126
    assert api.fake.comment(ours).body == f"{MARK}\nnew report"
    pages = [r.path.split("?")[1] for r in api.fake.requests_matching("GET", r"/issues/1/comments")]
    assert pages == ["per_page=100", "per_page=100&page=2"]


def test_another_users_comment_with_the_marker_is_left_alone(api: ProxiedGitHub) -> None:
    theirs = api.fake.add_comment(
        DEFAULT_REPO, 1, f"Quoting the bot: {MARK} please fix", author="mallory"
    )
    result = upsert_sticky_comment(proxied(api), DEFAULT_REPO, 1, "report")
    assert result.action == "created"
    assert result.id != theirs
    assert api.fake.comment(theirs).body == f"Quoting the bot: {MARK} please fix"
    assert [c.author for c in api.fake.comments()] == ["mallory", BOT_LOGIN]


def test_a_user_token_finds_its_own_comment_by_login(api: ProxiedGitHub) -> None:
    bot = api.fake.add_comment(DEFAULT_REPO, 1, f"{MARK}\nbot's", author=BOT_LOGIN)
    client = proxied(api, USER_TOKEN)
    first = upsert_sticky_comment(client, DEFAULT_REPO, 1, "octocat's")
    second = upsert_sticky_comment(client, DEFAULT_REPO, 1, "octocat's v2")
    assert (first.action, second.action, second.id) == ("created", "updated", first.id)
    assert api.fake.comment(bot).body == f"{MARK}\nbot's"
    assert [c.author for c in api.fake.comments()] == [BOT_LOGIN, "octocat"]


def test_two_comment_ids_coexist(api: ProxiedGitHub) -> None:
    client = proxied(api)
    cpu = upsert_sticky_comment(client, DEFAULT_REPO, 1, "cpu v1", comment_id="modelci-cpu")
    gpu = upsert_sticky_comment(client, DEFAULT_REPO, 1, "gpu v1", comment_id="modelci-gpu")
    cpu2 = upsert_sticky_comment(client, DEFAULT_REPO, 1, "cpu v2", comment_id="modelci-cpu")
    assert (cpu.action, gpu.action, cpu2.action) == ("created", "created", "updated")
    assert cpu2.id == cpu.id != gpu.id
    assert [c.body for c in api.fake.comments()] == [
        "<!-- modelci:comment-id=modelci-cpu -->\ncpu v2",
        "<!-- modelci:comment-id=modelci-gpu -->\ngpu v1",
    ]


def test_a_report_over_the_limit_is_truncated_and_accepted(api: ProxiedGitHub) -> None:
    body = "".join(f"| metric {i} | 0.{i:04d} |\n" for i in range(4000))  # ~100,000 chars
    assert len(body) > MAX_COMMENT_CHARS
    client = proxied(api)
    result = upsert_sticky_comment(client, DEFAULT_REPO, 1, body)
    assert (result.action, result.truncated) == ("created", True)
    stored = api.fake.comment(result.id).body
    assert len(stored) <= MAX_COMMENT_CHARS
    assert stored.startswith(f"{MARK}\n| metric 0 | 0.0000 |\n")
    shown = sum(1 for line in stored.splitlines() if line.startswith("| metric "))
    assert f"\n\n_{4000 - shown:,} more rows in report.json._\n\n" in stored
    assert stored.endswith(f"{NOTE}rows of the longest tables. {WHERE}\n")
    # The same long report again: nothing to do.
    again = upsert_sticky_comment(client, DEFAULT_REPO, 1, body)
    assert (again.action, again.id, again.truncated) == ("unchanged", result.id, True)
    assert writes(api.fake) == [("POST", f"/repos/{DEFAULT_REPO}/issues/1/comments", 201)]


def test_a_comment_on_a_plain_issue_links_to_the_issue(api: ProxiedGitHub) -> None:
    result = upsert_sticky_comment(proxied(api), DEFAULT_REPO, 3, "report")
    assert result.html_url == f"https://github.com/{DEFAULT_REPO}/issues/3#issuecomment-{result.id}"


def test_a_502_after_github_created_the_comment_does_not_duplicate_it(
    fake_github: FakeGitHub,
) -> None:
    fake_github.enqueue_server_error(method="POST", after_processing=True)
    result = upsert_sticky_comment(client_for(fake_github.url), DEFAULT_REPO, 1, "report")
    (comment,) = fake_github.comments(DEFAULT_REPO, 1)
    assert result.action == "unchanged"  # found on the second look, already holding the body
    assert result.id == comment.id
    assert [m for m, _, _ in writes(fake_github)] == ["POST"]


def test_a_502_before_anything_was_created_is_retried(fake_github: FakeGitHub) -> None:
    fake_github.enqueue_server_error(method="POST")
    result = upsert_sticky_comment(client_for(fake_github.url), DEFAULT_REPO, 1, "report")
    assert result.action == "created"
    assert len(fake_github.comments(DEFAULT_REPO, 1)) == 1
    assert [(m, s) for m, _, s in writes(fake_github)] == [("POST", 502), ("POST", 201)]
