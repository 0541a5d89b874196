"""Session fixtures for the act end-to-end tests (see harness.py and caller.py).

Shared per session (per xdist worker): the export of this repository act maps as
modelci/modelci, the job's throwaway Python, the seed of modelci's cached environment, the
template caller repository with the reference pipeline trained on `main`, and the fake GitHub
behind Prism. Per test: a clone of the
caller, fresh cache/artifact stores, the fake reset, and a contract check of every API call.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from venv import EnvBuilder

import pytest

from tests.support.fake_github import WORKFLOW_TOKEN, FakeGitHub
from tests.support.prism import ContractCheck, PrismProxy, github_api_proxy, require_prism
from tests.support.tools import require_tool

from .caller import CALLER_REPOSITORY, DVC_CACHE_SEED_KEY, CallerRepo, build_reference_caller
from .harness import (
    REPO_ROOT,
    Act,
    ActResult,
    export_repository,
    make_throwaway_venv,
    pinned_actions,
    stand_in_repositories,
)

MODEL_PR = REPO_ROOT / ".github" / "workflows" / "model-pr.yml"
ACTION = REPO_ROOT / "action.yml"
# The refs callers use for our repository in these tests (the README's is a release SHA).
CALLER_REF = "main"
PR_NUMBER = 7
# A modelci environment seeded into every test's cache store under a key the action's
# restore-keys prefix (OS, Python version, machine) matches: the action then only installs
# modelci itself into it, as after a release that changed no dependency pin.
MODELCI_VENV_SEED_KEY = f"modelci-venv-Linux-{platform.python_version()}-{platform.machine()}-seed"


def model_pr_action_sha() -> str:
    """The SHA model-pr.yml pins modelci/modelci's action to."""
    sha = pinned_actions(MODEL_PR).get("modelci/modelci")
    assert sha, f"{MODEL_PR} must use modelci/modelci@<full sha>"
    return sha


@dataclass
class Session:
    root: Path
    act: Act
    venv: Path
    pip_cache: Path
    modelci_seed: Path  # the environment the action installs modelci into (deps already there)


@pytest.fixture(scope="session")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Session:
    act_binary = require_tool("act")
    require_tool("node")
    require_tool("git")
    require_prism()
    root = tmp_path_factory.mktemp("e2e")
    export = export_repository(REPO_ROOT, root / "modelci-export")
    venv = make_throwaway_venv(root / "job-venv")
    modelci_seed = make_throwaway_venv(root / "modelci-venv-seed")
    pip_cache = root / "pip-cache"
    repositories = stand_in_repositories(
        [MODEL_PR, ACTION], export, [CALLER_REF, model_pr_action_sha()]
    )
    act = Act(
        binary=act_binary,
        our_export=export,
        local_repositories=repositories,
        extra_env={
            "MODELCI_E2E_VENV": str(venv),
            "PIP_CACHE_DIR": str(pip_cache),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "GITHUB_REPOSITORY": CALLER_REPOSITORY,
        },
    )
    return Session(root, act, venv, pip_cache, modelci_seed)


@pytest.fixture(scope="session")
def reference_caller(e2e: Session) -> CallerRepo:
    """The template caller: reference pipeline trained and committed on `main`."""
    return build_reference_caller(e2e.root / "template", Path(sys.executable).parent)


@pytest.fixture(scope="session")
def github_api(e2e: Session) -> Iterator[tuple[FakeGitHub, PrismProxy]]:
    with github_api_proxy(e2e.root) as (fake, proxy):
        yield fake, proxy


@dataclass
class World:
    """Everything one test touches."""

    caller: CallerRepo
    github: FakeGitHub
    contract: ContractCheck
    api_url: str
    workdir: Path
    cache_store: Path
    artifacts: Path


@pytest.fixture
def world(
    e2e: Session,
    reference_caller: CallerRepo,
    github_api: tuple[FakeGitHub, PrismProxy],
    tmp_path: Path,
) -> Iterator[World]:
    fake, proxy = github_api
    fake.reset()
    fake.add_repo(CALLER_REPOSITORY, pulls=[PR_NUMBER])
    caller = CallerRepo.clone_from(reference_caller, tmp_path / "caller")
    cache_store = tmp_path / "cache-store"
    # The base commit's DVC cache, as actions/cache would restore it (restore-keys prefix).
    shutil.copytree(reference_caller.dvc_cache, cache_store / DVC_CACHE_SEED_KEY / "0")
    shutil.copytree(e2e.modelci_seed, cache_store / MODELCI_VENV_SEED_KEY / "0", symlinks=True)
    contract = ContractCheck(proxy)
    yield World(
        caller, fake, contract, proxy.url, tmp_path / "act", cache_store, tmp_path / "artifacts"
    )


def run_caller(
    e2e: Session,
    world: World,
    event: dict[str, object],
    *,
    token: str = WORKFLOW_TOKEN,
    workflow: str = ".github/workflows/model.yml",
    run_name: str = "run",
    env: dict[str, str] | None = None,
) -> ActResult:
    """Run the caller's workflow once for a pull_request event (`env` adds or overrides)."""
    return e2e.act.run(
        world.caller.path,
        "pull_request",
        event,
        workdir=world.workdir / run_name,
        workflow=workflow,
        env={
            "GITHUB_API_URL": world.api_url,
            "MODELCI_E2E_CACHE": str(world.cache_store),
            "MODELCI_E2E_ARTIFACTS": str(world.artifacts / run_name),
            **(env or {}),
        },
        secrets={"GITHUB_TOKEN": token},
    )


def e2e_outputs(result: ActResult) -> dict[str, str]:
    """What the caller's `after` job printed of the reusable workflow's outputs."""
    return dict(re.findall(r"^E2E-OUTPUT ([\w-]+)=(.*)$", result.step_output, re.M))


# Versions a team might pin that differ from ours (constraints.txt) in major or minor.
USER_PANDAS = "2.2.3"
USER_SKLEARN = "1.6.1"
USER_PINS = (f"pandas=={USER_PANDAS}", f"scikit-learn=={USER_SKLEARN}")


@pytest.fixture(scope="session")
def pinned_user_python(e2e: Session) -> Path:
    """A job Python whose pipeline pins its own pandas and scikit-learn (built once a session)."""
    dest = e2e.root / "user-venv-pinned"
    EnvBuilder(with_pip=True, symlinks=True).create(dest)
    subprocess.run(
        [str(dest / "bin" / "python"), "-m", "pip", "install", "--quiet", *USER_PINS],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_CACHE_DIR": str(e2e.pip_cache)},
    )
    return dest
