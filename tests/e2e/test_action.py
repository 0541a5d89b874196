"""action.yml used directly (`uses: modelci/modelci@REF`), as a user's own job would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .caller import CALLER_REPOSITORY, git
from .conftest import (
    ACTION,
    CALLER_REF,
    MODEL_PR,
    PR_NUMBER,
    USER_PANDAS,
    USER_SKLEARN,
    Session,
    World,
    run_caller,
)
from .events import pull_request_event
from .harness import pinned_actions

pytestmark = pytest.mark.e2e


def _direct_workflow(**with_inputs: str) -> str:
    pins = pinned_actions(MODEL_PR, ACTION)
    workflow = {
        "name": "direct",
        "on": "pull_request",
        "permissions": {},
        "jobs": {
            "direct": {
                "runs-on": "ubuntu-latest",
                "permissions": {"contents": "read", "pull-requests": "write"},
                "steps": [
                    {"uses": f"actions/checkout@{pins['actions/checkout']}"},
                    {"uses": f"actions/setup-python@{pins['actions/setup-python']}"},
                    {"uses": f"modelci/modelci@{CALLER_REF}", "with": dict(with_inputs)},
                ],
            }
        },
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def test_contradictory_inputs_are_refused_up_front(e2e: Session, world: World) -> None:
    workflow = world.caller.write_workflow(
        _direct_workflow(comment="sometimes", repro="yes"), "direct.yml"
    )
    world.caller.commit("Call the action directly")
    event = pull_request_event(
        CALLER_REPOSITORY,
        number=PR_NUMBER,
        base_sha=world.caller.base_sha,
        head_sha=world.caller.head_sha,
    )
    result = run_caller(e2e, world, event, workflow=workflow)
    assert result.job_results() == {"direct": "failure"}, result.describe()
    errors = [(a.get("title"), a["message"]) for a in result.annotations("error")]
    # act may interleave a step's output streams: compare as a set, not in order.
    assert sorted(errors) == sorted(
        [
            ("modelci: bad input", "comment is 'sometimes'; use auto, always or never."),
            ("modelci: bad input", "repro is 'yes'; use true or false."),
        ]
    )
    # The check never ran, and GitHub was not called.
    assert "Check the model" not in result.log
    assert world.github.requests == []
    world.contract.verify()


VERSION_CHECK = f"""\
import json
import pandas
import sklearn

found = (pandas.__version__, sklearn.__version__)
assert found == ("{USER_PANDAS}", "{USER_SKLEARN}"), f"the stage got pandas/scikit-learn {{found}}"
json.dump({{"score": 0.5}}, open("metrics.json", "w"))
"""


def test_a_project_in_a_subfolder_runs_with_the_teams_own_libraries(
    e2e: Session, world: World, pinned_user_python: Path
) -> None:
    """The team pins pandas and scikit-learn apart from ours; its stage must get its versions,
    and annotations must name files from the repository root (a monorepo)."""
    ours = dict(
        line.split("==") for line in (ACTION.parent / "constraints.txt").read_text().splitlines()
    )
    assert ours["pandas"].split(".")[:2] != USER_PANDAS.split(".")[:2]
    assert ours["scikit-learn"].split(".")[:2] != USER_SKLEARN.split(".")[:2]

    repo = world.caller
    git(repo.path, "checkout", "-q", "main")
    project = repo.path / "project"
    project.mkdir()
    (project / "check_versions.py").write_text(VERSION_CHECK)
    stage = {"cmd": "python check_versions.py", "metrics": [{"metrics.json": {"cache": False}}]}
    (project / "dvc.yaml").write_text(yaml.safe_dump({"stages": {"versions": stage}}))
    gates = {"gates": [{"metric": "score", "threshold": 0.9}]}
    (project / "params.yaml").write_text(yaml.safe_dump({"modelci": gates}))
    subprocess.run([sys.executable, "-m", "dvc", "init", "--subdir", "-q"], cwd=project, check=True)
    repo.commit("A second model, in project/")
    git(repo.path, "checkout", "-q", "-B", "feature", "main")
    inputs = {"working-directory": "project", "fail-on-gate": "false", "comment": "never"}
    workflow = repo.write_workflow(_direct_workflow(**inputs), "direct.yml")
    repo.commit("Check project/")
    event = pull_request_event(
        CALLER_REPOSITORY, number=PR_NUMBER, base_sha=repo.base_sha, head_sha=repo.head_sha
    )
    result = run_caller(
        e2e, world, event, workflow=workflow, env={"MODELCI_E2E_VENV": str(pinned_user_python)}
    )
    assert result.job_results() == {"direct": "success"}, result.describe()
    assert "Running stage 'versions'" in result.log, result.describe()
    # modelci came from the cached environment (seeded), not from the job's Python.
    assert "Cache restored from key: modelci-venv-Linux-" in result.log
    gate = [a for a in result.annotations("error") if a.get("title") == "Gate failed: score"]
    assert [a.get("file") for a in gate] == ["project/params.yaml"], result.annotations("error")
    [warning] = [a for a in result.annotations("warning") if "fail-on-gate" in a["message"]]
    assert warning["title"] == "modelci"
    # The team's interpreter is as it was: its versions, and no modelci in it.
    python = str(pinned_user_python / "bin" / "python")
    after = subprocess.run(
        [python, "-c", "import pandas, sklearn; print(pandas.__version__, sklearn.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert after.stdout.split() == [USER_PANDAS, USER_SKLEARN]
    assert subprocess.run([python, "-c", "import modelci"], capture_output=True).returncode == 1
    assert world.github.requests == []


def test_a_crash_is_an_error_that_fails_the_job_even_without_fail_on_gate(
    e2e: Session, world: World
) -> None:
    """An output-dir under a regular file crashes modelci (exit 70): never a pass, never `fail`."""
    inputs = {"output-dir": "params.yaml/report", "fail-on-gate": "false", "comment": "always"}
    workflow = world.caller.write_workflow(_direct_workflow(**inputs), "direct.yml")
    world.caller.commit("Call the action directly")
    event = pull_request_event(
        CALLER_REPOSITORY,
        number=PR_NUMBER,
        base_sha=world.caller.base_sha,
        head_sha=world.caller.head_sha,
    )
    result = run_caller(e2e, world, event, workflow=workflow)
    assert result.job_results() == {"direct": "failure"}, result.describe()
    errors = [(a.get("title"), a["message"]) for a in result.annotations("error")]
    titles = [title for title, _ in errors]
    assert titles.count("modelci: internal error") == 2, errors  # modelci's line, the verdict's
    [crash] = [m for t, m in errors if m.startswith("Internal error: ")]
    assert crash.startswith("Internal error: NotADirectoryError: [Errno 20] Not a directory")
    assert "Traceback" not in result.step_output
    # No report was written, so nothing was posted.
    [warning] = result.annotations("warning")
    assert warning["message"].startswith("No report to post")
    assert world.github.requests == []
