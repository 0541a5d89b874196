"""A user's repository: the reference pipeline plus a workflow that calls ours, as users write it.

`build_reference_caller()` makes the session's template once: the pipeline run and committed on
`main` (dvc.lock, metrics, plots), its DVC cache kept aside to seed the job's cache. Each test
clones it (`CallerRepo.clone_from`) and adds its own head commit on a branch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support.tools import GIT_IDENTITY

from .harness import OUR_REPOSITORY, REPO_ROOT

CALLER_REPOSITORY = "octo-org/fraud-model"
PIPELINE_FILES = ("dvc.yaml", "params.yaml", "scripts", "schemas")
DVC_CACHE_SEED_KEY = "modelci-dvc-Linux-seed"  # matched by model-pr.yml's restore-keys prefix


def caller_workflow(ref: str = "main", **with_inputs: str) -> str:
    """The caller's workflow, as users write it: our reusable workflow at `ref`, then a job
    that prints what it sees of its outputs (lines `E2E-OUTPUT name=value`)."""
    printed = ("verdict", "exit-code", "comment-url", "metrics")
    workflow = {
        "name": "model",
        "on": "pull_request",
        "permissions": {},
        "jobs": {
            "model": {
                "permissions": {"contents": "read", "pull-requests": "write"},
                "uses": f"{OUR_REPOSITORY}/.github/workflows/model-pr.yml@{ref}",
                **({"with": dict(with_inputs)} if with_inputs else {}),
            },
            "after": {
                "needs": "model",
                "if": "always()",
                "runs-on": "ubuntu-latest",
                "steps": [
                    {
                        "env": {
                            name.upper().replace("-", "_"): f"${{{{ needs.model.outputs.{name} }}}}"
                            for name in printed
                        },
                        "run": "".join(
                            f'echo "E2E-OUTPUT {name}=${{{name.upper().replace("-", "_")}}}"\n'
                            for name in printed
                        ),
                    }
                ],
            },
        },
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_IDENTITY}
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


@dataclass
class CallerRepo:
    path: Path
    dvc_cache: Path  # the DVC cache after the base commit's `dvc repro` (outside the repo)

    @property
    def base_sha(self) -> str:
        return git(self.path, "rev-parse", "main")

    @property
    def head_sha(self) -> str:
        return git(self.path, "rev-parse", "HEAD")

    @classmethod
    def clone_from(cls, template: CallerRepo, dest: Path) -> CallerRepo:
        shutil.copytree(template.path, dest, symlinks=True)
        git(dest, "checkout", "-q", "-B", "feature", "main")
        return cls(dest, template.dvc_cache)

    def write_workflow(self, text: str, name: str = "model.yml") -> str:
        path = self.path / ".github" / "workflows" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return f".github/workflows/{name}"

    def edit_params(self, **sections: dict[str, Any]) -> None:
        """Change params.yaml keys, e.g. edit_params(train={"max_depth": 1})."""
        params = self.path / "params.yaml"
        data = yaml.safe_load(params.read_text())
        for section, values in sections.items():
            data[section].update(values)
        params.write_text(yaml.safe_dump(data, sort_keys=False))

    def commit(self, message: str) -> str:
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", message)
        return self.head_sha


def build_reference_caller(dest: Path, python_bin: Path) -> CallerRepo:
    """The template caller repository: the reference pipeline run and committed on `main`."""
    repo = dest / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "remote", "add", "origin", f"https://github.com/{CALLER_REPOSITORY}.git")
    for name in PIPELINE_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, repo / name)
    _without_team_tests(repo / "params.yaml")
    env = {**os.environ, "PATH": f"{python_bin}{os.pathsep}{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    python = str(python_bin / "python")
    subprocess.run([python, "-m", "dvc", "init", "-q"], cwd=repo, env=env, check=True)
    subprocess.run(
        [python, "-m", "dvc", "config", "core.autostage", "true"], cwd=repo, env=env, check=True
    )
    run = subprocess.run(
        [python, "-m", "dvc", "repro"], cwd=repo, env=env, capture_output=True, text=True
    )
    if run.returncode != 0:
        raise RuntimeError(f"dvc repro failed in the template caller:\n{run.stdout}\n{run.stderr}")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Reference pipeline, trained")
    cache = dest / "dvc-cache"
    shutil.copytree(repo / ".dvc" / "cache", cache)
    return CallerRepo(repo, cache)


def _without_team_tests(params_file: Path) -> None:
    """Drop `modelci.tests`: the job's Python here reuses the dev venv's site-packages, where
    modelci's pytest11 entry point is listed but modelci itself does not import (its editable
    finder is not loaded), so pytest would stop at startup. tests/functional/test_team_tests.py
    runs the team's tests on the reference pipeline instead."""
    params = yaml.safe_load(params_file.read_text())
    params["modelci"].pop("tests", None)
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
