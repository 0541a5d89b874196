"""DVC behind a small interface: reproduce the pipeline, read metrics and params at a revision.

`dvc repro` runs as a subprocess (its output is the user's progress display, and a crash in a stage
cannot take modelci down); everything else goes through DVC's Python API on one `Project` per
check: the plan (which stages a repro visits, and whether any is stale), and metrics and params,
which DVC reads from git-tracked and DVC-cached files at any revision alike. DVC is imported
lazily (slow import).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelci.errors import ConfigError, DataError, PipelineError
from modelci.files import write_text_atomic

FileValues = dict[str, dict[str, Any]]
LineSink = Callable[[str], None]

_RUNNING = re.compile(r"^Running stage '([^']+)'")
_SKIPPED = re.compile(r"^Stage '([^']+)' (?:didn't change|is cached)")
_LOG_TAIL_LINES = 40
# A commit's metrics and params never change: remembered by commit SHA, so a check that compares
# with the same base again (every push to a pull request) skips DVC's read of the base revision.
REVISION_CACHE = Path(".dvc/tmp/modelci/revisions")
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


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


class Project:
    """One DVC repository, opened once for a whole check and shared by every read and the plan.

    Opening a repository and collecting its pipeline index (parsing dvc.yaml and dvc.lock) costs
    more than any single read, so a check keeps one `Repo`: the producing stages, whether the
    pipeline is up to date, and the metrics and params of the workspace and the base all come
    from it. `dvc repro` itself still runs as a subprocess (see the module docstring), and only
    when a stage is out of date; the repository is reopened after it, since it rewrote dvc.lock.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._repo: Any = None
        self._reads: dict[tuple[str, str | None], Snapshot] = {}
        self._up_to_date = False  # the whole pipeline was planned and nothing was stale
        self._order: dict[tuple[str, ...], list[str]] = {}  # targets -> stages, as planned

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()
            self._repo = None

    @property
    def repo(self) -> Any:
        """The open `dvc.repo.Repo` (untyped: DVC ships no type information)."""
        if self._repo is None:
            from dvc.exceptions import DvcException
            from dvc.repo import Repo

            try:
                with contextlib.chdir(self.root):
                    self._repo = Repo(str(self.root))
            except DvcException as error:
                raise ConfigError(f"DVC could not open the repository: {error}") from error
        return self._repo

    def producing_stages(self, paths: Sequence[str]) -> dict[str, str | None]:
        """For each path, the stage whose output it is, or None when no stage writes it."""
        from dvc.exceptions import DvcException

        stages: dict[str, str | None] = {}
        try:
            with contextlib.chdir(self.root):  # DVC names stages relative to the working dir
                stages.update(self._producers(paths))
        except DvcException as error:
            raise ConfigError(
                f"DVC could not read the pipeline: {error}", file="dvc.yaml"
            ) from error
        return stages

    def _producers(self, paths: Sequence[str]) -> dict[str, str | None]:
        from dvc.exceptions import OutputNotFoundError

        stages: dict[str, str | None] = {}
        for path in paths:
            try:
                outs = self.repo.find_outs_by_path(str(self.root / path))
            except OutputNotFoundError:
                outs = []
            stages[path] = str(outs[0].stage.addressing) if outs else None
        return stages

    def plan(self, targets: Sequence[str] = (), *, status: bool = True) -> tuple[list[str], bool]:
        """The stages `dvc repro [targets]` would visit, in its order, and whether any is stale.

        Stale means DVC's status reports a change (deps, outs, params, command, or a stage that
        always runs): then `dvc repro` has work to do. DVC's own planner orders the stages.
        With `status=False`, only the order: nothing is reported stale.
        """
        if not status and tuple(targets) in self._order:
            return self._order[tuple(targets)], False
        from dvc.exceptions import DvcException
        from dvc.repo.reproduce import collect_stages, get_active_graph, plan_repro

        repo = self.repo
        try:
            # Targets and stage names are relative to the working directory, as for `dvc repro`.
            with contextlib.chdir(self.root), repo.lock:
                wanted = _stages_named(repo, targets) or collect_stages(
                    repo, list(targets) or ["dvc.yaml"]
                )
                steps = plan_repro(get_active_graph(repo.index.graph), wanted)
                # check_updates=False: never ask a remote whether an imported source moved.
                stale = status and any(step.status(check_updates=False) for step in steps)
                names = [str(step.addressing) for step in steps if not step.is_data_source]
        except DvcException as error:
            raise PipelineError(f"DVC could not plan the pipeline: {error}") from error
        self._order[tuple(targets)] = names
        return names, stale

    def repro(self, targets: Sequence[str] = (), *, on_line: LineSink | None = None) -> ReproResult:
        """`dvc repro [targets]` when a stage is stale; otherwise what it would have said.

        The whole pipeline is planned first: when nothing in it is stale (a check with nothing
        changed), no part of it is either, and the later full repro needs no second plan.
        """
        if not self._up_to_date:
            _, stale_anywhere = self.plan()
            self._up_to_date = not stale_anywhere
        stages, stale = self.plan(targets, status=not self._up_to_date)
        if not stale:
            lines = [f"Stage '{name}' didn't change, skipping" for name in stages]
            lines.append("Data and pipelines are up to date.")
            for line in lines:
                if on_line:
                    on_line(line)
            return ReproResult(
                targets=tuple(targets), ran=(), skipped=tuple(stages), log_tail="\n".join(lines)
            )
        self.close()  # the subprocess rewrites dvc.lock: read it afresh afterwards
        self._reads.clear()
        self._up_to_date = False
        self._order.clear()
        return repro(self.root, targets, on_line=on_line)

    def metrics(self, rev: str | None = None) -> Snapshot:
        """Metrics files declared in dvc.yaml at `rev` (None: the workspace)."""
        return self._read("metrics", rev)

    def params(self, rev: str | None = None) -> Snapshot:
        """Params files (params.yaml and any declared) at `rev` (None: the workspace)."""
        return self._read("params", rev)

    def _read(self, kind: str, rev: str | None) -> Snapshot:
        if (kind, rev) not in self._reads:
            self._read_revision(rev)
        return self._reads[(kind, rev)]

    def _read_revision(self, rev: str | None) -> None:
        """Metrics and params of one revision together: they share its pipeline index."""
        if rev is not None and self._remembered(rev):
            return
        from dvc.exceptions import DvcException

        try:
            with contextlib.chdir(self.root):
                self._show(rev)
        except DvcException as error:
            raise PipelineError(f"DVC could not read metrics or params: {error}") from error
        except (TypeError, ValueError, AttributeError) as error:
            # DVC itself fails this way on a metrics or params file that is not a mapping.
            raise PipelineError(
                f"DVC could not read metrics or params{f' at {rev[:12]}' if rev else ''}: "
                f"{type(error).__name__}: {error}",
                hint="each metrics and params file must hold a mapping of names to values",
            ) from error
        for kind in ("metrics", "params"):
            # A revision from before `dvc init` has no DVC project: nothing to read there.
            self._reads.setdefault((kind, rev), Snapshot())
        if rev is not None:
            self._remember(rev)

    def _revision_file(self, rev: str) -> Path | None:
        if not _FULL_SHA.match(rev):
            return None  # only a commit SHA names content that cannot change
        from dvc import __version__ as dvc_version

        from modelci import __version__

        key = hashlib.sha256(f"{rev}\0{dvc_version}\0{__version__}".encode()).hexdigest()
        return self.root / REVISION_CACHE / f"{key}.json"

    def _remembered(self, rev: str) -> bool:
        path = self._revision_file(rev)
        try:
            saved = json.loads(path.read_text(encoding="utf-8")) if path else None
        except (OSError, ValueError):
            return False  # absent or damaged: read the revision again
        if not isinstance(saved, dict):
            return False
        for kind in ("metrics", "params"):
            entry = saved.get(kind, {})
            self._reads[(kind, rev)] = Snapshot(
                files=dict(entry.get("files", {})), problems=dict(entry.get("problems", {}))
            )
        return True

    def _remember(self, rev: str) -> None:
        path = self._revision_file(rev)
        payload = {
            kind: {"files": snap.files, "problems": snap.problems}
            for kind in ("metrics", "params")
            for snap in [self._reads[(kind, rev)]]
        }
        try:
            text = json.dumps(payload, sort_keys=True, allow_nan=True)
        except (TypeError, ValueError):
            return  # a value JSON cannot hold (a YAML date): not remembered, read each time
        if path is None or json.loads(text) != payload:
            return  # JSON would change a value's type (a tuple, an int key): read each time
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            write_text_atomic(path, text)

    def _show(self, rev: str | None) -> None:
        repo = self.repo
        if rev is None:
            self._store(None, repo.metrics.show(), repo.params.show())
        else:
            for _ in repo.brancher(revs=[rev], workspace=False):
                self._store(rev, repo.metrics.show(), repo.params.show())

    def _store(
        self, rev: str | None, metrics: Mapping[str, Any], params: Mapping[str, Any]
    ) -> None:
        self._reads[("metrics", rev)] = _snapshot(metrics)
        self._reads[("params", rev)] = _snapshot(params)


@dataclass(frozen=True)
class ArtifactDeclaration:
    """A model (or other artifact) declared in a dvc.yaml `artifacts:` section."""

    name: str  # as GTO names it: `name`, or `dir:name` for a dvc.yaml in `dir/`
    path: str  # relative to the repository root
    type: str | None = None
    desc: str | None = None
    labels: tuple[str, ...] = ()


def artifacts(project: Project) -> list[ArtifactDeclaration]:
    """Every artifact the workspace's dvc.yaml files declare, as DVC reads them."""
    import posixpath

    from dvc.exceptions import DvcException

    try:
        with contextlib.chdir(project.root):
            declared = project.repo.artifacts.read()
    except DvcException as error:
        raise ConfigError(f"DVC could not read the artifacts: {error}", file="dvc.yaml") from error
    found = []
    for dvcfile, entries in sorted(declared.items()):
        folder = posixpath.dirname(str(dvcfile).replace("\\", "/"))
        for name, artifact in entries.items():
            found.append(
                ArtifactDeclaration(
                    name=f"{folder}:{name}" if folder else str(name),
                    path=posixpath.normpath(posixpath.join(folder, str(artifact.path))),
                    type=artifact.type,
                    desc=artifact.desc,
                    labels=tuple(artifact.labels or ()),
                )
            )
    return found


def read_file(root: Path, path: str, rev: str | None = None) -> bytes:
    """The bytes of `path` at `rev` (None: the workspace), git-tracked or DVC-cached alike.

    Raises FileNotFoundError when it does not exist there, DataError when DVC cannot get it
    (say, a DVC-cached file whose cache is not on this machine).
    """
    if rev is None:
        return (root / path).read_bytes()
    import dvc.api
    from dvc.exceptions import DvcException, PathMissingError

    try:
        with dvc.api.open(path, repo=str(root), rev=rev, mode="rb") as handle:
            data: bytes = handle.read()
    except PathMissingError as error:
        raise FileNotFoundError(path) from error
    except DvcException as error:
        raise DataError(
            f"{path} could not be read at {rev[:12]}: {error}",
            file=path,
            hint="commit the file with `cache: false`, or `dvc pull` the base's outputs",
        ) from error
    return data


def _snapshot(result: Mapping[str, Any]) -> Snapshot:
    # DVC answers {"": {"data": {file: {"data": {...}} | {"error": exc}}} | {"error": exc}}
    entry: Mapping[str, Any] = next(iter(result.values()), {})
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


def _stages_named(repo: Any, targets: Sequence[str]) -> list[Any] | None:
    """The stages of the repository's index for the whole pipeline, or for targets that are all
    plain stage names of it; None for anything else (paths, globs), which `collect_stages` reads.
    The index is loaded once per open repository; `collect_stages` parses dvc.yaml and dvc.lock
    again on each call."""
    # `dvc repro` with no target means ./dvc.yaml: nested dvc.yaml and .dvc files are not in it.
    project_file = Path("dvc.yaml").resolve()
    stages = [stage for stage in repo.index.stages if Path(stage.path).resolve() == project_file]
    if not targets:
        return stages
    by_name = {str(stage.addressing): stage for stage in stages}
    if not all(target in by_name for target in targets):
        return None
    return [by_name[target] for target in targets]


def _describe(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError):
        return "file not found"
    return str(error) or type(error).__name__


def locked_hash(lock_text: str | None, path: str) -> str | None:
    """The md5 a dvc.lock text records for the stage output `path`, or None (no such output, or
    a lock that cannot be read): two revisions whose hashes agree hold the same bytes there."""
    from modelci.yamlfile import parse_yaml

    if lock_text is None:
        return None
    try:
        stages = (parse_yaml(lock_text, shown="dvc.lock").data or {}).get("stages") or {}
    except (ConfigError, AttributeError):
        return None
    for stage in stages.values() if isinstance(stages, dict) else ():
        outs = stage.get("outs") if isinstance(stage, dict) else None
        for out in outs if isinstance(outs, list) else ():
            if isinstance(out, dict) and out.get("path") == path and out.get("md5"):
                return str(out["md5"])
    return None
