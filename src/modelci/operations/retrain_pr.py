"""The retraining pull request: one open pull request per retraining branch, updated in place.

The continuous-training workflow pushes the retrained model to a branch (`modelci/retrain` by
default) and calls `open_or_update_pull_request`: the open pull request whose head is that
branch is found through `GET /repos/{repo}/pulls?head=owner:branch&state=open`; its title and
body are edited when they changed, or a pull request is opened when there is none. The label
is then added, so teams can filter retraining pull requests. A second run never opens a second
pull request, even when GitHub failed after opening the first one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from modelci.errors import GitHubError, UsageError
from modelci.operations.comment import MAX_COMMENT_CHARS, validate_repo

if TYPE_CHECKING:
    from modelci.adapters.github import GitHubClient

# GitHub refuses a pull request body longer than an issue comment's (65,536 characters).
MAX_BODY_CHARS = MAX_COMMENT_CHARS
DEFAULT_BRANCH = "modelci/retrain"
DEFAULT_LABEL = "modelci-retrain"
DEFAULT_TITLE = "Retrain the model on new data"

# git's ref rules, narrowed: no `..`, no leading `-` or `/`, no spaces or control characters.
_BRANCH = re.compile(r"(?!-)(?!/)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]+(?<![./])")
# GitHub's label names: anything but commas, up to 50 characters.
_LABEL = re.compile(r"[^,\n\r]{1,50}")
_HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)

Action = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class RetrainPullRequest:
    """What `open_or_update_pull_request` did; `number` and `html_url` are GitHub's."""

    action: Action
    number: int
    html_url: str
    labels: tuple[str, ...]
    truncated: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "number": self.number,
            "url": self.html_url,
            "labels": list(self.labels),
            "truncated": self.truncated,
        }


def validate_branch(branch: str, what: str = "branch") -> str:
    if not _BRANCH.fullmatch(branch) or branch.endswith(".lock"):
        raise UsageError(
            f"{what} must be a plain git branch name, got {branch!r}",
            hint="Use letters, digits and `._/-`, like `modelci/retrain`.",
        )
    return branch


def validate_label(label: str) -> str:
    if not _LABEL.fullmatch(label) or not label.strip():
        raise UsageError(
            f"label must be 1 to 50 characters without commas or newlines, got {label!r}",
            hint="Pick something like `modelci-retrain`.",
        )
    return label


def fit_to_limit(markdown: str, limit: int = MAX_BODY_CHARS) -> tuple[str, bool]:
    """`markdown` cut to at most `limit` characters by the report's one truncator (whole
    collapsed details, then sections of least importance, then table rows), with a visible note.

    Returns (text, truncated).
    """
    from modelci.report.truncate import truncate

    return truncate(markdown, limit, where="the workflow run's job summary")


def compose_body(*parts: str) -> str:
    """The pull request's body: the reports in order (the drift report, then the check report).

    A pull request opened with the workflow's own token starts no workflow, so the body carries
    the whole check report itself.
    """
    return "\n\n".join(p.strip() for p in parts if p.strip()) + "\n"


def find_open_pull_request(
    client: GitHubClient, repo: str, branch: str, *, base: str | None = None
) -> dict[str, Any] | None:
    """The oldest open pull request from `branch` of `repo` itself (not a fork's namesake)."""
    owner = repo.split("/")[0]
    found = [
        pull
        for pull in client.list_pulls(repo, head=f"{owner}:{branch}", base=base)
        if (pull.get("head") or {}).get("ref") == branch
        and ((pull.get("head") or {}).get("repo") or {}).get("full_name", repo).casefold()
        == repo.casefold()
    ]
    return min(found, key=lambda p: int(p["number"])) if found else None


def _number(data: dict[str, Any]) -> int:
    number = data.get("number")
    if isinstance(number, bool) or not isinstance(number, int):
        raise GitHubError("GitHub's answer for the pull request has no number")
    return number


def _normalise(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n")  # GitHub may store CRLF: no reason to edit


def open_or_update_pull_request(
    client: GitHubClient,
    repo: str,
    *,
    branch: str,
    base: str,
    title: str,
    body: str,
    labels: tuple[str, ...] = (DEFAULT_LABEL,),
) -> RetrainPullRequest:
    """Open the pull request from `branch` into `base`, or edit the open one; add `labels`.

    The branch must already be pushed. `body` is cut to GitHub's limit by `fit_to_limit`.
    """
    validate_repo(repo)
    validate_branch(branch)
    validate_branch(base, "base branch")
    for label in labels:
        validate_label(label)
    if branch == base:
        raise UsageError(
            f"the retraining branch and the base are both {branch!r}",
            hint="Retrain on a branch of its own (the default is modelci/retrain).",
        )
    if not title.strip():
        raise UsageError("the pull request title is empty", hint="Pass --title.")
    text, truncated = fit_to_limit(body)
    existing = find_open_pull_request(client, repo, branch)
    action: Action
    if existing is None:
        try:
            pull = client.create_pull(repo, title=title, head=branch, base=base, body=text)
            action = "created"
        except GitHubError as error:
            # A 5xx may come after GitHub opened it, and a 422 says one exists already
            # (opened meanwhile): look again rather than fail or open a second one.
            if error.status is None or not (error.status >= 500 or error.status == 422):
                raise
            existing = find_open_pull_request(client, repo, branch)
            if existing is None:
                raise
    if existing is not None:
        if _normalise(existing.get("title")) == title and _normalise(existing.get("body")) == (
            _normalise(text)
        ):
            pull, action = existing, "unchanged"
        else:
            pull = client.update_pull(repo, _number(existing), title=title, body=text)
            action = "updated"
    number = _number(pull)
    present = {str(label.get("name")) for label in pull.get("labels") or []}
    missing = [label for label in labels if label not in present]
    if missing:
        client.add_labels(repo, number, missing)
    return RetrainPullRequest(
        action, number, str(pull.get("html_url", "")), tuple(labels), truncated
    )
