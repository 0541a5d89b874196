"""action.yml used directly (`uses: modelci/modelci@REF`), as a user's own job would."""

from __future__ import annotations

import pytest
import yaml

from .caller import CALLER_REPOSITORY
from .conftest import ACTION, CALLER_REF, MODEL_PR, PR_NUMBER, Session, World, run_caller
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
    # Nothing was installed or run, and GitHub was not called.
    assert "Install modelci" not in result.log
    assert world.github.requests == []
    world.contract.verify()
