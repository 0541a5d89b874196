"""The few git operations a check needs, through the git command line."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from modelci.errors import PipelineError, UsageError


@dataclass(frozen=True)
class Revision:
    ref: str  # as the user named it ("origin/main", "workspace")
    sha: str | None  # full commit SHA; None for an uncommitted workspace outside git
    subject: str | None = None  # first line of the commit message

    def to_dict(self) -> dict[str, str | None]:
        return {"ref": self.ref, "sha": self.sha, "subject": self.subject}


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=60
        )
    except FileNotFoundError as error:
        raise PipelineError("git is not installed", hint="install git and retry") from error


def resolve(root: Path, ref: str) -> Revision:
    """Resolve `ref` to a commit, or raise UsageError saying how to make it available."""
    result = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if result.returncode != 0:
        raise UsageError(
            f"base revision `{ref}` not found in {root}",
            hint=(
                "fetch it first (`git fetch origin <branch>`); in GitHub Actions check out with "
                "`fetch-depth: 0` so the base commit exists"
            ),
        )
    sha = result.stdout.strip()
    return Revision(ref=ref, sha=sha, subject=_subject(root, sha))


def head(root: Path) -> Revision:
    """The workspace, described by the commit it sits on (if any)."""
    result = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    sha = result.stdout.strip() if result.returncode == 0 else None
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no").stdout.strip()
    ref = "workspace" + (" (uncommitted changes)" if dirty else "")
    return Revision(ref=ref, sha=sha, subject=_subject(root, sha) if sha else None)


def _subject(root: Path, sha: str) -> str | None:
    result = _git(root, "log", "-1", "--format=%s", sha)
    return result.stdout.strip() or None if result.returncode == 0 else None


def show_file(root: Path, sha: str, path: str) -> str | None:
    """The text of `path` (relative to `root`) at commit `sha`, or None when it is not there."""
    result = _git(root, "show", f"{sha}:./{path}")
    return result.stdout if result.returncode == 0 else None


def show_bytes(root: Path, sha: str, path: str) -> bytes | None:
    """The bytes of `path` (relative to `root`) at commit `sha`, or None when git lacks it."""
    try:
        result = subprocess.run(
            ["git", "show", f"{sha}:./{path}"],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except FileNotFoundError as error:
        raise PipelineError("git is not installed", hint="install git and retry") from error
    return result.stdout if result.returncode == 0 else None
