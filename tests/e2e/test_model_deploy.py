"""model-deploy.yml end to end, as a user's repository calls it, run by act on this host.

The caller repository is the canary test project (tests/support/canary.py): three registered
versions of fraud-detector, v1.2.0 in `production`. Its workflow calls
modelci/modelci/.github/workflows/model-deploy.yml@main; the job installs modelci with the
serve and rollout extras through install/action.yml, serves both versions from their
registered cards behind Caddy and runs the analysis. With no traffic sent, the rollout must end
inconclusive: rolled back, nothing assigned, the job failed with an error saying so, and the
report in the job summary.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.canary import HEALTHY, MODEL, STABLE, build_canary_project, git_env

from .conftest import CALLER_REF, MODELCI_VENV_SEED_KEY, Session
from .harness import OUR_REPOSITORY, REPO_ROOT, stand_in_repositories

pytestmark = pytest.mark.e2e

MODEL_DEPLOY = REPO_ROOT / ".github" / "workflows" / "model-deploy.yml"
ROLLOUT = {"steps": [50, 100], "window_seconds": 1, "analysis": {"min_requests": 50}}


def deploy_caller_workflow() -> str:
    """The caller's workflow, as the README shows it (least permissions)."""
    workflow = {
        "name": "deploy",
        "on": {"workflow_dispatch": None},
        "permissions": {},
        "jobs": {
            "deploy": {
                "permissions": {"contents": "write"},
                "uses": f"{OUR_REPOSITORY}/.github/workflows/model-deploy.yml@{CALLER_REF}",
                "with": {
                    "canary": f"{MODEL}@{HEALTHY}",
                    "environment": "production",
                    "runs-on": "ubuntu-latest",
                    "waits": 0,
                    "push": False,
                },
            }
        },
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def test_a_rollout_without_traffic_fails_the_job_inconclusive_with_the_report(
    e2e: Session, tmp_path: Path
) -> None:
    caller = build_canary_project(tmp_path / "caller", ROLLOUT)
    workflow = caller.root / ".github/workflows/deploy.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(deploy_caller_workflow())
    caller.run("git", "add", "-A")
    caller.run("git", "commit", "-q", "-m", "deploy workflow")
    cache_store = tmp_path / "cache-store"
    shutil.copytree(e2e.modelci_seed, cache_store / MODELCI_VENV_SEED_KEY / "0", symlinks=True)
    act = dataclasses.replace(
        e2e.act,
        local_repositories={
            **e2e.act.local_repositories,
            **stand_in_repositories([MODEL_DEPLOY], e2e.act.our_export, [CALLER_REF]),
        },
    )
    event = {
        "ref": "refs/heads/main",
        "inputs": {},
        "repository": {"full_name": "octo/deploy", "name": "deploy", "owner": {"login": "octo"}},
        "sender": {"login": "octocat"},
        "workflow": ".github/workflows/deploy.yml",
    }
    try:
        result = act.run(
            caller.root, "workflow_dispatch", event, workdir=tmp_path / "act",
            workflow=".github/workflows/deploy.yml",
            env={"MODELCI_E2E_CACHE": str(cache_store)},
        )  # fmt: skip
    finally:
        for state in tmp_path.glob("**/.modelci/rollouts/production/state.json"):
            subprocess.run(
                [sys.executable, "-m", "modelci", "rollout", "stop", "-C", str(state.parents[3])],
                env=git_env(), capture_output=True, check=False,
            )  # fmt: skip
    assert result.job_results().get("deploy") == "failure", result.describe()
    # act prefixes the line with a colour reset, so it does not parse it as a command; GitHub's
    # runner reads it as an annotation.
    assert "::error title=modelci: canary inconclusive::" in result.log, result.describe()
    assert "ending=inconclusive" in result.log
    summary = result.summary()
    assert "**inconclusive (too little evidence), rolled back: never promoted**" in summary
    assert "### Step 1: canary at 50%" in summary, summary
    assert "fewer than the 50 required" in summary
    assert "xychart-beta" in summary
    assert f"against stable <code>{MODEL}&#64;{STABLE}</code>" in summary  # from the stage
    assert "Assigned" not in result.log
