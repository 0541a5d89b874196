"""Run our workflows for real with act (nektos/act), jobs on the host, remote actions stood in.

`Act.run()` runs one workflow of a caller repository and returns an `ActResult` parsed from act's
JSON log: each job's result, the job summary each step wrote, step outputs and the raw log.
Everything a run writes (act's workspaces, the cache and artifact stores) lives under the
folders the harness is given, never in the developer's home or venv.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
STAND_INS = Path(__file__).resolve().parent / "stand-ins"
OUR_REPOSITORY = "modelci/modelci"  # this project's name on GitHub
_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*([\w.-]+/[\w.-]+)(?:/[^@\s]*)?@([0-9a-f]{40})\b", re.M)


def pinned_actions(*files: Path) -> dict[str, str]:
    """{owner/name: sha} of every action pinned by SHA in the given workflow/action files."""
    pins: dict[str, str] = {}
    for file in files:
        for name, sha in _USES.findall(file.read_text(encoding="utf-8")):
            if pins.setdefault(name, sha) != sha:
                raise AssertionError(f"{name} is pinned to two SHAs ({pins[name]}, {sha})")
    return pins


def export_repository(source: Path, dest: Path) -> Path:
    """Copy the tracked and untracked-unignored files of `source` (no .venv, no node_modules)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=source,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        src = source / name
        if not src.is_file():  # deleted in the work tree but still tracked
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    return dest


def make_throwaway_venv(dest: Path) -> Path:
    """A venv for jobs to run in or pip-install into, never the developer's own.

    A `.pth` file puts this interpreter's site-packages (the dev venv's, with every dependency
    already installed) behind the venv's own: as the job's Python it runs the reference
    pipeline's stages; as the seed of modelci's cached environment, the action's `pip install`
    into it only builds modelci.
    `.pth` lines are plain path entries: the dev venv's editable modelci finder is not loaded.
    """
    venv.EnvBuilder(with_pip=True, symlinks=True).create(dest)
    python = dest / "bin" / "python"
    own_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (Path(own_site) / "_modelci_e2e_deps.pth").write_text("\n".join(deps) + "\n")
    # Console scripts of the dependencies live in the dev venv's bin: give the venv its own `dvc`.
    dvc = dest / "bin" / "dvc"
    dvc.write_text(f'#!/bin/sh\nexec "{python}" -m dvc "$@"\n')
    dvc.chmod(0o755)
    return dest


@dataclass
class ActResult:
    returncode: int
    events: list[dict[str, Any]]
    command: list[str]

    @property
    def log(self) -> str:
        return "".join(
            e.get("msg", "") + ("" if e.get("raw_output") else "\n") for e in self.events
        )

    @property
    def step_output(self) -> str:
        """What the steps printed (no act messages, no echo of the scripts)."""
        return "".join(e.get("msg", "") for e in self.events if e.get("raw_output"))

    def job_results(self) -> dict[str, str]:
        """{job id: success|failure} for every job act finished."""
        return {e["jobID"]: e["jobResult"] for e in self.events if "jobResult" in e}

    def summary(self, job: str | None = None) -> str:
        """The job summary (what steps appended to $GITHUB_STEP_SUMMARY), innermost steps only.

        act reports a composite action's summary for the inner step and again for the action:
        keep a report only when no deeper step of the same action reported it already.
        """
        reports = [
            e
            for e in self.events
            if e.get("command") == "summary" and (job is None or e.get("jobID") == job)
        ]
        ids = [tuple(e.get("stepID") or ()) for e in reports]
        kept = [
            e["content"]
            for e, sid in zip(reports, ids, strict=True)
            if not any(len(o) > len(sid) and o[: len(sid)] == sid for o in ids)
        ]
        return "".join(kept)

    def outputs(self, job: str | None = None) -> dict[str, str]:
        """Every `name=value` set by a top-level step of the job (later values win)."""
        found: dict[str, str] = {}
        for e in self.events:
            if (
                e.get("command") == "set-output"
                and (job is None or e.get("jobID") == job)
                and len(e.get("stepID") or ()) == 1
            ):
                found[e["name"]] = e.get("arg", "")
        return found

    def annotations(self, level: str = "error") -> list[dict[str, str]]:
        """`::error::`-style workflow commands: {"message", "title", "file", "line", ...}.

        act logs a command inside a composite action for the inner step and again for the
        action; each is listed once (per top-level step).
        """
        seen: set[tuple[str, str]] = set()
        found = []
        for e in self.events:
            if e.get("command") != level:
                continue
            key = (e.get("raw", ""), (e.get("stepID") or [""])[0])
            if key in seen:
                continue
            seen.add(key)
            found.append({**(e.get("kvPairs") or {}), "message": e.get("arg", "")})
        return found

    def describe(self) -> str:
        tail = self.log[-6000:]
        return f"act exited {self.returncode}: {' '.join(self.command)}\n--- log tail ---\n{tail}"


@dataclass
class Act:
    """act, configured once per session: stand-ins for remote actions and our own repository."""

    binary: str
    our_export: Path
    local_repositories: Mapping[str, Path]
    extra_env: Mapping[str, str] = field(default_factory=dict)

    def run(
        self,
        repo: Path,
        event_name: str,
        event: Mapping[str, Any],
        *,
        workdir: Path,
        workflow: str,
        env: Mapping[str, str] = (),  # type: ignore[assignment]
        secrets: Mapping[str, str] = (),  # type: ignore[assignment]
        timeout: float = 900,
    ) -> ActResult:
        workdir.mkdir(parents=True, exist_ok=True)
        event_file = workdir / "event.json"
        event_file.write_text(json.dumps(event))
        command = [
            self.binary,
            event_name,
            "--json",
            "-W",
            str(repo / workflow),
            "-e",
            str(event_file),
            "-P",
            "ubuntu-latest=-self-hosted",
            "--action-cache-path",
            str(workdir / "act"),
            "--no-cache-server",
            "--container-daemon-socket",
            "-",
        ]
        for ref, path in self.local_repositories.items():
            command += ["--local-repository", f"{ref}={path}"]
        for name, value in {**self.extra_env, **dict(env)}.items():
            command += ["--env", f"{name}={value}"]
        for name in dict(secrets):
            command += ["-s", name]  # value from the environment: never on the command line
        process_env = {**os.environ, **dict(secrets)}
        # The job's Python is the throwaway venv (setup-python stand-in), not ours.
        process_env.pop("VIRTUAL_ENV", None)
        completed = subprocess.run(
            command,
            cwd=repo,
            env=process_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        events = []
        for line in completed.stdout.splitlines() + completed.stderr.splitlines():
            try:
                parsed = json.loads(line)
            except json.JSONDecodeError:
                parsed = {"msg": line + "\n", "raw_output": True}
            if isinstance(parsed, dict):
                events.append(parsed)
        (workdir / "act.log").write_text(completed.stdout + completed.stderr)
        return ActResult(completed.returncode, events, command)


def stand_in_repositories(
    workflow_files: Sequence[Path], export: Path, refs: Sequence[str]
) -> dict[str, Path]:
    """--local-repository mappings: our repository at each ref, stand-ins at their pinned SHAs."""
    mapping: dict[str, Path] = {f"{OUR_REPOSITORY}@{ref}": export for ref in refs}
    for name, sha in pinned_actions(*workflow_files).items():
        if name == OUR_REPOSITORY:
            mapping[f"{name}@{sha}"] = export
            continue
        if name == "actions/checkout":  # act copies the caller repository itself
            continue
        owner, action = name.split("/")
        stand_in = STAND_INS / action
        if owner != "actions" or not stand_in.is_dir():
            raise AssertionError(f"no e2e stand-in for {name}: add one under {STAND_INS}")
        mapping[f"{name}@{sha}"] = stand_in
    return mapping
