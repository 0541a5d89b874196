"""Everything modelci knows about running inside a GitHub Actions job, in one module.

Workflow commands (annotations, log groups), the job summary ($GITHUB_STEP_SUMMARY) and step
outputs ($GITHUB_OUTPUT). The library never imports this: the CLI does, when GITHUB_ACTIONS=true.
Reference: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

# GitHub refuses a step summary over 1 MiB; stay under it.
MAX_SUMMARY_BYTES = 1024 * 1024 - 1024
MAX_ANNOTATIONS = 10  # GitHub shows at most 10 error annotations per step


def in_actions(env: Mapping[str, str] = os.environ) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


@dataclass(frozen=True)
class PullRequestEvent:
    """The pull request of the job's event (pull_request, pull_request_target, ...)."""

    number: int
    base_sha: str | None
    head_repository: str | None  # owner/name of the head; None when the fork was deleted


def event_pull_request(env: Mapping[str, str] = os.environ) -> PullRequestEvent | None:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull, dict):
        return None
    number = pull.get("number")
    if not isinstance(number, int) or isinstance(number, bool):
        return None
    base_sha = (pull.get("base") or {}).get("sha")
    head_repo = ((pull.get("head") or {}).get("repo") or {}).get("full_name")
    return PullRequestEvent(
        number,
        base_sha if isinstance(base_sha, str) and base_sha else None,
        head_repo if isinstance(head_repo, str) and head_repo else None,
    )


def pull_request_number(env: Mapping[str, str] = os.environ) -> int | None:
    event = event_pull_request(env)
    return event.number if event else None


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass
class Actions:
    """The job's workflow-command channel and files; `env` and `out` are injectable for tests."""

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    # Looked up when built, not at import: a redirected stdout (tests, click's runner) is honoured.
    out: TextIO = field(default_factory=lambda: sys.stdout)

    def command(self, name: str, message: str, **properties: str | int | None) -> None:
        props = ",".join(
            f"{k}={_escape_property(str(v))}" for k, v in properties.items() if v is not None
        )
        self.out.write(f"::{name}{' ' + props if props else ''}::{_escape_data(message)}\n")
        self.out.flush()

    def annotation_path(self, file: str | Path, base: Path | None = None) -> str:
        """`file` relative to the repository root (GITHUB_WORKSPACE), where GitHub looks for it.

        modelci runs in the project's directory, which in a monorepo is a subfolder: a path
        relative to it (or to `base`) would point at the wrong file.
        """
        workspace = self.env.get("GITHUB_WORKSPACE")
        path = Path(file)
        if not workspace:
            return path.as_posix()
        absolute = path if path.is_absolute() else (base or Path.cwd()) / path
        try:
            return absolute.resolve().relative_to(Path(workspace).resolve()).as_posix()
        except ValueError:  # outside the repository: GitHub cannot show it on a file anyway
            return path.as_posix()

    def annotate(
        self,
        level: str,
        message: str,
        *,
        title: str | None = None,
        file: str | Path | None = None,
        line: int | None = None,
        base: Path | None = None,
    ) -> None:
        """An `error`, `warning` or `notice` annotation; `file` relative to `base` (default cwd)."""
        where = self.annotation_path(file, base) if file is not None else None
        self.command(level, message, file=where, line=line, title=title)

    def error(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        title: str | None = None,
        base: Path | None = None,
    ) -> None:
        self.annotate("error", message, file=file, line=line, title=title, base=base)

    def warning(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.annotate("warning", message, file=file, line=line)

    _open_group: str | None = field(default=None, init=False, repr=False)

    def start_group(self, title: str) -> None:
        """Open a collapsible log group (closing any open one: groups do not nest)."""
        self.end_group()
        self.out.write(f"::group::{_escape_data(title)}\n")
        self.out.flush()
        self._open_group = title

    def end_group(self) -> None:
        if self._open_group is not None:
            self.out.write("::endgroup::\n")
            self.out.flush()
            self._open_group = None

    def log(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        self.start_group(title)
        try:
            yield
        finally:
            self.end_group()

    def append_summary(self, markdown: str) -> bool:
        path = self.env.get("GITHUB_STEP_SUMMARY")
        if not path:
            return False
        data = markdown.encode("utf-8")
        if len(data) > MAX_SUMMARY_BYTES:
            data = data[:MAX_SUMMARY_BYTES].decode("utf-8", "ignore").encode("utf-8")
        with Path(path).open("ab") as handle:
            handle.write(data + b"\n")
        return True

    def set_outputs(self, outputs: Mapping[str, str]) -> bool:
        path = self.env.get("GITHUB_OUTPUT")
        if not path:
            return False
        with Path(path).open("a", encoding="utf-8") as handle:
            for name, value in outputs.items():
                # A random delimiter: a value can never end the heredoc early (no output injection).
                delimiter = f"modelci_{secrets.token_hex(8)}"
                handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        return True
