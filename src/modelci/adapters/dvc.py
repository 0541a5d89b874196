"""DVC behind a small interface: reproduce the pipeline, read metrics and params at a revision.

`dvc repro` runs as a subprocess (its output is the user's progress display, and a crash in a stage
cannot take modelci down); metrics and params are read through DVC's Python API, which reads
git-tracked and DVC-cached files at any revision alike. DVC is imported lazily (slow import).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelci.errors import ConfigError, PipelineError

FileValues = dict[str, dict[str, Any]]
LineSink = Callable[[str], None]

_RUNNING = re.compile(r"^Running stage '([^']+)'")
_SKIPPED = re.compile(r"^Stage '([^']+)' (?:didn't change|is cached)")
_LOG_TAIL_LINES = 40


@dataclass(frozen=True)
class ReproResult:
    targets: tuple[str, ...]
    ran: tuple[str, ...]  # stages that executed their command
    skipped: tuple[str, ...]  # stages DVC found unchanged or restored from its run cache
    log_tail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"targets": list(self.targets), "ran": list(self.ran), "skipped": list(self.skipped)}

    def after(self, earlier: ReproResult) -> ReproResult:
        """This run, counting the stages an earlier (targeted) run of the same check executed."""
        ran = tuple(dict.fromkeys((*earlier.ran, *self.ran)))
        skipped = tuple(s for s in self.skipped if s not in ran)
        return ReproResult(targets=self.targets, ran=ran, skipped=skipped, log_tail=self.log_tail)


@dataclass
class Snapshot:
    """Metrics or params of one revision, with what could not be read (file -> reason)."""

    files: FileValues = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def ensure_dvc_repository(root: Path) -> None:
    if not (root / ".dvc").is_dir():
        raise ConfigError(
            f"{root} is not a DVC repository (no .dvc directory)",
            hint="run `dvc init` at the repository root, or run modelci from there",
        )


def repro(
    root: Path, targets: Sequence[str] = (), *, on_line: LineSink | None = None
) -> ReproResult:
    """Run `dvc repro [targets]`, streaming its output line by line; cached stages are skipped."""
    command = [sys.executable, "-m", "dvc", "repro", *targets]
    ran: list[str] = []
    skipped: list[str] = []
    tail: deque[str] = deque(maxlen=_LOG_TAIL_LINES)
    try:
        process = subprocess.Popen(
            command,
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
    except OSError as error:
        raise PipelineError(f"could not start `dvc repro`: {error}") from error
    assert process.stdout is not None
    with process:
        for raw in process.stdout:
            line = raw.rstrip("\n")
            tail.append(line)
            if on_line:
                on_line(line)
            if match := _RUNNING.match(line):
                ran.append(match.group(1))
            elif match := _SKIPPED.match(line):
                skipped.append(match.group(1))
    log_tail = "\n".join(tail)
    if process.returncode != 0:
        failed = ran[-1] if ran else None
        where = f" in stage `{failed}`" if failed else ""
        raise ReproFailed(
            f"`dvc repro` failed{where} (exit code {process.returncode})",
            hint="read the stage's output above; reproduce locally with `dvc repro`",
            log_tail=log_tail,
        )
    return ReproResult(
        targets=tuple(targets), ran=tuple(ran), skipped=tuple(skipped), log_tail=log_tail
    )


class ReproFailed(PipelineError):
    def __init__(self, message: str, *, hint: str, log_tail: str) -> None:
        super().__init__(message, hint=hint)
        self.log_tail = log_tail


def producing_stages(root: Path, paths: Sequence[str]) -> dict[str, str | None]:
    """For each path, the stage whose output it is, or None when no stage writes it (an input).

    One repository open for all paths: opening it costs far more than each lookup.
    """
    from dvc.exceptions import DvcException, OutputNotFoundError
    from dvc.repo import Repo

    stages: dict[str, str | None] = {}
    try:
        with Repo(str(root)) as repo:
            for path in paths:
                try:
                    outs = repo.find_outs_by_path(str(root / path))
                except OutputNotFoundError:
                    outs = []
                stages[path] = str(outs[0].stage.addressing) if outs else None
    except DvcException as error:
        raise ConfigError(f"DVC could not read the pipeline: {error}", file="dvc.yaml") from error
    return stages


def read_metrics(root: Path, rev: str | None = None) -> Snapshot:
    """Metrics files declared in dvc.yaml at `rev` (None: the workspace)."""
    return _show(root, rev, "metrics")


def read_params(root: Path, rev: str | None = None) -> Snapshot:
    """Params files (params.yaml and any declared) at `rev` (None: the workspace)."""
    return _show(root, rev, "params")


def _show(root: Path, rev: str | None, kind: str) -> Snapshot:
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        with Repo(str(root)) as repo:
            show = repo.metrics.show if kind == "metrics" else repo.params.show
            result: Mapping[str, Any] = show(revs=[rev]) if rev else show()
    except DvcException as error:
        raise PipelineError(f"DVC could not read {kind}: {error}") from error
    # DVC answers {rev-or-"": {"data": {file: {"data": {...}} | {"error": exc}}} | {"error": exc}}
    entry = result.get(rev, {}) if rev else next(iter(result.values()), {})
    snapshot = Snapshot()
    if "error" in entry:
        snapshot.problems["*"] = _describe(entry["error"])
        return snapshot
    for file, content in entry.get("data", {}).items():
        if "error" in content:
            snapshot.problems[file] = _describe(content["error"])
        else:
            snapshot.files[file] = dict(content.get("data") or {})
    return snapshot


def _describe(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError):
        return "file not found"
    return str(error) or type(error).__name__
