"""The sticky report comment: one comment per report id on a pull request, edited in place.

The comment starts with a hidden marker, `<!-- modelci:comment-id=<id> -->`. On each run the
pull request's comments are searched (every page) for one written by the token's own identity
that carries the marker: it is edited if its body changed, otherwise a comment is created. Other
people's comments are never touched, even if they quote the marker, and reports with different
ids (say, one per model) live side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from modelci.errors import GitHubError, UsageError

if TYPE_CHECKING:
    from modelci.adapters.github import GitHubClient

# GitHub rejects a comment body longer than this (422 "body is too long").
MAX_COMMENT_CHARS = 65_536
DEFAULT_COMMENT_ID = "modelci"

_COMMENT_ID = re.compile(r"[A-Za-z0-9._-]+")
# GitHub's rules: owner is alphanumerics and single hyphens; a name adds `.` and `_`.
_REPO = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
_WHERE = "the job summary and the workflow artifact (report.json)"

Action = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class CommentResult:
    """What `upsert_sticky_comment` did; `id` and `html_url` are GitHub's for the comment."""

    action: Action
    id: int
    html_url: str
    truncated: bool


def validate_repo(repo: str) -> str:
    if not _REPO.fullmatch(repo) or repo.split("/")[1] in {".", ".."}:
        raise UsageError(
            f"repository must be OWNER/NAME, got {repo!r}",
            hint="Pass --repo like `octo-org/model-repo` (in a workflow GITHUB_REPOSITORY "
            "already holds it).",
        )
    return repo


def validate_comment_id(comment_id: str) -> str:
    if not _COMMENT_ID.fullmatch(comment_id):
        raise UsageError(
            f"comment id must use only letters, digits, `.`, `_` and `-`, got {comment_id!r}",
            hint="The id goes into a hidden HTML marker; pick something like `modelci-gpu`.",
        )
    return comment_id


def marker(comment_id: str) -> str:
    """The hidden HTML comment that identifies the report `comment_id` on a pull request."""
    return f"<!-- modelci:comment-id={validate_comment_id(comment_id)} -->"


def render_comment_body(
    body: str, comment_id: str = DEFAULT_COMMENT_ID, *, limit: int = MAX_COMMENT_CHARS
) -> tuple[str, bool]:
    """The comment as posted: marker + body, cut by the report's truncator to `limit` characters.

    Returns (text, truncated). The text, marker and note included, never exceeds `limit`.
    """
    from modelci.report.truncate import truncate

    head = marker(comment_id) + "\n"
    kept, truncated = truncate(body, limit - len(head), where=_WHERE)
    return head + kept, truncated


def _normalise(text: str) -> str:
    # GitHub may store line endings as CRLF; that alone is no reason to edit the comment.
    return text.replace("\r\n", "\n")


def find_sticky_comment(
    client: GitHubClient, repo: str, pr: int, *, comment_id: str, author: str
) -> dict[str, Any] | None:
    """The oldest comment on `pr` by `author` that carries the marker of `comment_id`."""
    tag = marker(comment_id)
    wanted = author.casefold()  # GitHub logins are case-insensitive
    for comment in client.paginate(f"/repos/{repo}/issues/{pr}/comments"):
        user = comment.get("user") or {}
        login = user.get("login") if isinstance(user, dict) else None
        text = comment.get("body")
        mine = isinstance(login, str) and login.casefold() == wanted
        if mine and isinstance(text, str) and tag in text:
            return comment
    return None


def _result(action: Action, data: Any, truncated: bool) -> CommentResult:
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise GitHubError("GitHub's answer for the comment has no id")
    return CommentResult(action, data["id"], str(data.get("html_url", "")), truncated)


def upsert_sticky_comment(
    client: GitHubClient,
    repo: str,
    pr: int,
    body: str,
    *,
    comment_id: str = DEFAULT_COMMENT_ID,
    author: str | None = None,
) -> CommentResult:
    """Create the report comment on pull request `pr` of `repo`, or edit it in place.

    `author` is the login the token posts as; by default it is asked of GitHub
    (`github-actions[bot]` for the workflow's GITHUB_TOKEN). Pass it for a GitHub App token,
    whose comments are by `<app-slug>[bot]`.
    """
    validate_repo(repo)
    validate_comment_id(comment_id)
    if isinstance(pr, bool) or not isinstance(pr, int) or pr < 1:
        raise UsageError(f"pull request number must be a positive integer, got {pr!r}")
    text, truncated = render_comment_body(body, comment_id)
    login = author or client.viewer_login()
    existing = find_sticky_comment(client, repo, pr, comment_id=comment_id, author=login)
    attempt = 1
    while existing is None:
        try:
            created = client.request(
                "POST",
                f"/repos/{repo}/issues/{pr}/comments",
                json={"body": text},
                retry_server_errors=False,
            )
            return _result("created", client.decode(created), truncated)
        except GitHubError as error:
            # A 5xx (or a lost connection) may come after GitHub created the comment: look
            # again before creating, so a retry never leaves two reports on the pull request.
            if attempt >= client.max_attempts or (error.status is not None and error.status < 500):
                raise
        client.wait_before_retry(attempt)
        attempt += 1
        existing = find_sticky_comment(client, repo, pr, comment_id=comment_id, author=login)
    if _normalise(str(existing.get("body", ""))) == _normalise(text):
        return _result("unchanged", existing, truncated)
    updated = client.request(
        "PATCH", f"/repos/{repo}/issues/comments/{existing['id']}", json={"body": text}
    )
    return _result("updated", client.decode(updated), truncated)
