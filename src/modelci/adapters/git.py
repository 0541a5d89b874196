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


# --- what the registry needs: a clean workspace, and tags pushed as a lock ----------------------


def dirty_files(root: Path) -> list[str]:
    """Tracked files that differ from HEAD (staged or not); untracked files do not count."""
    result = _git(root, "status", "--porcelain", "--untracked-files=no")
    if result.returncode != 0:
        raise PipelineError(f"`git status` failed in {root}: {result.stderr.strip()}")
    return [line[3:] for line in result.stdout.splitlines() if line.strip()]


def fetch_tags(root: Path, remote: str) -> None:
    """Bring the remote's tags here (a registry read or a version bump must see them)."""
    result = _git(root, "fetch", "--quiet", "--tags", remote)
    if result.returncode != 0:
        raise PipelineError(
            f"`git fetch --tags {remote}` failed: {result.stderr.strip()}",
            hint=f"check that the remote `{remote}` exists and is reachable (`git remote -v`)",
        )


@dataclass(frozen=True)
class PushOutcome:
    pushed: bool
    detail: str  # git's own words for each refused ref, when not pushed


def push_refs_atomic(root: Path, remote: str, refs: list[str]) -> PushOutcome:
    """`git push --atomic` of `refs` (all or none). A ref that already exists on the remote is
    refused (never forced): the remote's compare-and-swap makes a tag push a lock."""
    specs = [f"{ref}:{ref}" for ref in refs]
    result = _git(root, "push", "--atomic", "--porcelain", remote, *specs)
    if result.returncode == 0:
        return PushOutcome(pushed=True, detail="")
    refused = [line for line in result.stdout.splitlines() if line.startswith("!")]
    detail = "; ".join(refused) or result.stderr.strip() or f"exit code {result.returncode}"
    return PushOutcome(pushed=False, detail=detail)


def remote_ref(root: Path, remote: str, ref: str) -> str | None:
    """The object a ref names on the remote, or None when the remote has no such ref."""
    result = _git(root, "ls-remote", remote, ref)
    if result.returncode != 0:
        raise PipelineError(f"`git ls-remote {remote}` failed: {result.stderr.strip()}")
    line = next((line for line in result.stdout.splitlines() if line.endswith(f"\t{ref}")), "")
    return line.split("\t", 1)[0] or None


def fetch_ref(root: Path, remote: str, ref: str) -> None:
    """Fetch one ref from the remote into the same name here (it must not exist here)."""
    result = _git(root, "fetch", "--quiet", remote, f"{ref}:{ref}")
    if result.returncode != 0:
        raise PipelineError(f"`git fetch {remote} {ref}` failed: {result.stderr.strip()}")


def delete_tag(root: Path, tag: str) -> None:
    result = _git(root, "tag", "--delete", tag)
    if result.returncode != 0:
        raise PipelineError(f"`git tag --delete {tag}` failed: {result.stderr.strip()}")


@dataclass(frozen=True)
class TagInfo:
    name: str
    commit: str  # the commit the tag points at
    tagger: str | None  # `Name <email>`
    date: str | None  # ISO 8601


def tag_info(root: Path, tag: str) -> TagInfo | None:
    """The commit, tagger and date of an annotated tag here, or None when there is none."""
    fmt = "%(*objectname)%00%(objectname)%00%(taggername) %(taggeremail)%00%(taggerdate:iso-strict)"
    result = _git(root, "for-each-ref", f"--format={fmt}", f"refs/tags/{tag}")
    if result.returncode != 0 or not result.stdout.strip():
        return None
    peeled, target, tagger, date = result.stdout.rstrip("\n").split("\0")
    return TagInfo(
        name=tag, commit=peeled or target, tagger=tagger.strip() or None, date=date or None
    )
