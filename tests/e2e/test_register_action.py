"""register/action.yml from a caller's workflow on push to main (`uses: modelci/modelci/register@REF`).

The caller is the reference pipeline trained on `main` (caller.py) whose `origin` is a local
bare repository, as GitHub's would be. act runs the workflow on a push to main, jobs on the host,
with no git identity (as on GitHub's hosted runners): the check runs, `fraud-detector@v0.0.1`
lands in the bare remote, tagged by github-actions[bot]. The same push run again registers
nothing: the commit holds v0.0.1 already, the job passes and its outputs name that version.
A shallow clone of the caller is refused at the first step, before modelci is installed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from .caller import CALLER_REPOSITORY, DVC_CACHE_SEED_KEY, CallerRepo, git
from .conftest import ACTION, CALLER_REF, MODEL_PR, MODELCI_VENV_SEED_KEY, Session
from .events import push_event
from .harness import OUR_REPOSITORY, ActResult, pinned_actions

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("register-action")]

MODEL = "fraud-detector"
TAG = f"{MODEL}@v0.0.1"
PRINTED = ("tag", "version", "name", "card", "registered")
# The card the `card` output names: its tag, commit and the registration's unique id.
CARD_PRINTER = (
    'python -c \'import json, os; c = json.load(open(os.environ["CARD"])); '
    'print("E2E-CARD", c["git"]["tag"], c["git"]["commit"], c["registration_id"])\'\n'
)


def _register_workflow() -> str:
    """The caller's workflow, as the README shows it, printing the action's outputs."""
    pins = pinned_actions(MODEL_PR, ACTION)
    workflow = {
        "name": "register",
        "on": {"push": {"branches": ["main"]}},
        "permissions": {},
        "jobs": {
            "register": {
                "runs-on": "ubuntu-latest",
                "permissions": {"contents": "write"},
                "steps": [
                    {
                        "uses": f"actions/checkout@{pins['actions/checkout']}",
                        "with": {"fetch-depth": 0},
                    },
                    {"uses": f"actions/setup-python@{pins['actions/setup-python']}"},
                    {
                        # The pipeline's outputs, as model-pr.yml saved them, checked out: the
                        # check then finds the commit reproduced instead of training anew.
                        "uses": f"actions/cache@{pins['actions/cache']}",
                        "with": {
                            "path": ".dvc/cache",
                            "key": "modelci-dvc-${{ runner.os }}-${{ hashFiles('dvc.lock') }}",
                            "restore-keys": "modelci-dvc-${{ runner.os }}-",
                        },
                    },
                    {"run": "dvc checkout"},
                    {"id": "register", "uses": f"{OUR_REPOSITORY}/register@{CALLER_REF}"},
                    {
                        "env": {
                            name.upper(): f"${{{{ steps.register.outputs.{name} }}}}"
                            for name in PRINTED
                        },
                        "run": "".join(
                            f'echo "E2E-OUTPUT {name}=${{{name.upper()}}}"\n' for name in PRINTED
                        )
                        + CARD_PRINTER,
                    },
                ],
            }
        },
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def _outputs(result: ActResult) -> dict[str, str]:
    return dict(re.findall(r"^E2E-OUTPUT ([\w-]+)=(.*)$", result.step_output, re.M))


def _cards(result: ActResult) -> list[tuple[str, ...]]:
    return [tuple(m) for m in re.findall(r"^E2E-CARD (\S+) (\S+) (\S+)$", result.step_output, re.M)]


def _cache_store(e2e: Session, template: CallerRepo, tmp_path: Path) -> Path:
    """actions/cache's store, seeded with the template's DVC cache and modelci's environment."""
    cache = tmp_path / "cache-store"
    shutil.copytree(template.dvc_cache, cache / DVC_CACHE_SEED_KEY / "0")
    shutil.copytree(e2e.modelci_seed, cache / MODELCI_VENV_SEED_KEY / "0", symlinks=True)
    return cache


def _remote_tags(bare: Path) -> dict[str, str]:
    """{tag: the commit it points to} in the bare remote."""
    listed = git(bare, "for-each-ref", "--format=%(refname:short) %(*objectname)", "refs/tags")
    return dict(line.split(" ", 1) for line in listed.splitlines() if line)


def test_a_push_to_main_registers_once_and_a_rerun_registers_nothing(
    e2e: Session, reference_caller: CallerRepo, tmp_path: Path
) -> None:
    caller = CallerRepo.clone_from(reference_caller, tmp_path / "caller")
    git(caller.path, "checkout", "-q", "main")
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(caller.path, "remote", "set-url", "origin", str(bare))
    before = caller.head_sha
    workflow = caller.write_workflow(_register_workflow(), "register.yml")
    commit = caller.commit("Register every merge to main")
    git(caller.path, "push", "-q", "origin", "main")
    assert _remote_tags(bare) == {}

    cache = _cache_store(e2e, reference_caller, tmp_path)
    event = push_event(CALLER_REPOSITORY, ref="refs/heads/main", before=before, after=commit)

    def run(name: str) -> ActResult:
        return e2e.act.run(
            caller.path,
            "push",
            event,
            workdir=tmp_path / "act" / name,
            workflow=workflow,
            env={
                "MODELCI_E2E_CACHE": str(cache),
                "MODELCI_E2E_ARTIFACTS": str(tmp_path / "artifacts" / name),
                "GIT_CONFIG_GLOBAL": "/dev/null",  # no identity, as on GitHub's runners
            },
        )

    first = run("first")
    assert first.job_results() == {"register": "success"}, first.describe()
    printed = _outputs(first)
    card = printed.pop("card")
    assert printed == {"tag": TAG, "version": "v0.0.1", "name": MODEL, "registered": "true"}
    assert card.endswith("/modelci-report/model-card.json"), card
    [(card_tag, card_commit, registration)] = _cards(first)
    assert (card_tag, card_commit) == (TAG, commit)
    assert _remote_tags(bare) == {TAG: commit}
    tagger = git(bare, "for-each-ref", "--format=%(taggername) %(taggeremail)", f"refs/tags/{TAG}")
    assert tagger == "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    # The tag carries the card of this very commit.
    message = git(bare, "for-each-ref", "--format=%(contents)", f"refs/tags/{TAG}")
    assert commit in message
    assert "No passing report.json" in first.log  # the check ran for the registration

    second = run("second")
    assert second.job_results() == {"register": "success"}, second.describe()
    again = _outputs(second)
    assert again.pop("card").endswith("/modelci-report/model-card.json")
    assert _cards(second) == [(TAG, commit, registration)]  # the tag's own card, read back
    assert again == {"tag": TAG, "version": "v0.0.1", "name": MODEL, "registered": "false"}
    [notice] = second.annotations("notice")
    assert notice["message"] == f"{TAG} is this commit: nothing new."
    assert _remote_tags(bare) == {TAG: commit}
    assert "No passing report.json" not in second.log  # no check, no tag


def test_a_shallow_checkout_is_refused_before_anything_runs(
    e2e: Session, reference_caller: CallerRepo, tmp_path: Path
) -> None:
    """The registry lives in the tags and the history: a depth-1 checkout stops at step one."""
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{reference_caller.path}", str(shallow))
    caller = CallerRepo(shallow, reference_caller.dvc_cache)
    workflow = caller.write_workflow(_register_workflow(), "register.yml")
    before = caller.head_sha
    commit = caller.commit("Register every merge to main")
    assert git(shallow, "rev-parse", "--is-shallow-repository") == "true"
    event = push_event(CALLER_REPOSITORY, ref="refs/heads/main", before=before, after=commit)
    env = {"MODELCI_E2E_CACHE": str(_cache_store(e2e, reference_caller, tmp_path))}
    result = e2e.act.run(
        shallow, "push", event, workdir=tmp_path / "act", workflow=workflow, env=env
    )
    assert result.job_results() == {"register": "failure"}, result.describe()
    assert [(a.get("title"), a["message"]) for a in result.annotations("error")] == [
        (
            "modelci: shallow checkout",
            "The registry lives in git tags and needs the whole history: check out with "
            "actions/checkout's fetch-depth: 0.",
        )
    ]
    assert "Install modelci" not in result.log
    assert _remote_tags(shallow) == {}
