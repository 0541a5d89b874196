"""Event payloads for act, built from GitHub's real webhook examples (@octokit/webhooks-examples)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from .harness import REPO_ROOT

EXAMPLES = REPO_ROOT / "node_modules/@octokit/webhooks-examples/api.github.com/index.json"


@cache
def _examples() -> dict[str, list[dict[str, Any]]]:
    if not EXAMPLES.is_file():
        raise FileNotFoundError(f"{EXAMPLES} is missing: run `npm ci`")
    return {entry["name"]: entry["examples"] for entry in json.loads(EXAMPLES.read_text())}


def _example(event: str, action: str) -> dict[str, Any]:
    for example in _examples()[event]:
        if example.get("action") == action:
            return copy.deepcopy(example)
    raise LookupError(f"no {event}.{action} example in {EXAMPLES}")


def _retarget_repository(repository: dict[str, Any], full_name: str) -> None:
    owner, name = full_name.split("/")
    old = repository["full_name"]
    repository["full_name"] = full_name
    repository["name"] = name
    repository["owner"]["login"] = owner
    for key, value in list(repository.items()):
        if isinstance(value, str) and old in value:
            repository[key] = value.replace(old, full_name)


def pull_request_event(
    repository: str,
    *,
    number: int,
    base_sha: str,
    head_sha: str,
    base_ref: str = "main",
    head_ref: str = "feature",
    head_repository: str | None = None,
    action: str = "opened",
) -> dict[str, Any]:
    """A real `pull_request` payload (opened or synchronize) moved to `repository`.

    `head_repository` names the fork the pull request comes from; by default the pull request
    is from a branch of `repository` itself.
    """
    event = _example("pull_request", action)
    old = event["repository"]["full_name"]
    _retarget_repository(event["repository"], repository)
    pr = event["pull_request"]
    old_number = pr["number"]
    event["number"] = number
    pr["number"] = number
    for key, value in list(pr.items()):
        if isinstance(value, str) and old in value:
            for kind in ("pulls", "pull", "issues"):
                value = value.replace(f"/{kind}/{old_number}", f"/{kind}/{number}")
            pr[key] = value.replace(old, repository)
    pr["base"]["sha"] = base_sha
    pr["base"]["ref"] = base_ref
    pr["base"]["label"] = f"{repository.split('/')[0]}:{base_ref}"
    _retarget_repository(pr["base"]["repo"], repository)
    source = head_repository or repository
    pr["head"]["sha"] = head_sha
    pr["head"]["ref"] = head_ref
    pr["head"]["label"] = f"{source.split('/')[0]}:{head_ref}"
    _retarget_repository(pr["head"]["repo"], source)
    pr["head"]["repo"]["fork"] = head_repository is not None
    if action == "synchronize":
        event["before"] = base_sha
        event["after"] = head_sha
    return event


def tag_push_event(repository: str, *, tag: str, sha: str) -> dict[str, Any]:
    """A real `push` payload of a newly created tag (GitHub's `refs/tags/simple-tag` example),
    moved to `repository` and to `tag` at commit `sha` (for an annotated tag GitHub sends the
    commit it points to as `after` and `head_commit`)."""
    [event] = [
        copy.deepcopy(e)
        for e in _examples()["push"]
        if e["ref"].startswith("refs/tags/") and e["created"] and e.get("head_commit")
    ][:1]
    old_tag = event["ref"].removeprefix("refs/tags/")
    old = event["repository"]["full_name"]
    _retarget_repository(event["repository"], repository)
    event["ref"] = f"refs/tags/{tag}"
    event["before"] = "0" * 40
    event["after"] = sha
    event["compare"] = event["compare"].replace(old, repository).replace(old_tag, tag)
    event["head_commit"]["id"] = sha
    event["head_commit"]["url"] = f"https://github.com/{repository}/commit/{sha}"
    event["commits"] = []
    return event


def workflow_dispatch_event(
    repository: str, *, workflow: str, inputs: dict[str, str], ref: str = "refs/heads/main"
) -> dict[str, Any]:
    """A real `workflow_dispatch` payload moved to `repository`, with the given inputs."""
    event = copy.deepcopy(_examples()["workflow_dispatch"][0])
    _retarget_repository(event["repository"], repository)
    event.update(ref=ref, workflow=workflow, inputs=dict(inputs))
    return event


def push_event(repository: str, *, ref: str, before: str, after: str) -> dict[str, Any]:
    """A minimal `push` payload (act only reads a few fields of it)."""
    owner, name = repository.split("/")
    return {
        "ref": ref,
        "before": before,
        "after": after,
        "repository": {"full_name": repository, "name": name, "owner": {"login": owner}},
        "head_commit": {"id": after},
    }


def write(event: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(event))
    return path
