"""The README's usage snippets must be true: short, valid, and pointing at what exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from tests.support.tools import check_schemastore, require_git_history

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README, re.S)


def _pull_request_snippet() -> str:
    [snippet] = [b for b in _yaml_blocks() if b.startswith("# .github/workflows/model.yml")]
    return snippet


def _model_pr_pin() -> str:
    text = (ROOT / ".github/workflows/model-pr.yml").read_text(encoding="utf-8")
    [sha] = re.findall(r"uses:\s*modelci/modelci@([0-9a-f]{40})", text)
    return sha


def test_pull_request_snippet_is_at_most_15_lines_with_least_privilege() -> None:
    snippet = _pull_request_snippet()
    assert len(snippet.strip().splitlines()) <= 15
    workflow = yaml.safe_load(snippet)
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    owner_repo, _, rest = job["uses"].partition("/.github/")
    assert owner_repo == "modelci/modelci"
    path, _, ref = rest.partition("@")
    assert (ROOT / ".github" / path).is_file()
    assert re.fullmatch(r"[0-9a-f]{40}", ref)


def test_the_readme_workflow_ref_pins_the_current_action() -> None:
    """`model-pr.yml@REF` must be a commit whose model-pr.yml pins today's action (`make pin`)."""
    require_git_history()
    ref = yaml.safe_load(_pull_request_snippet())["jobs"]["model"]["uses"].rpartition("@")[2]
    shown = subprocess.run(
        ["git", "show", f"{ref}:.github/workflows/model-pr.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 0, f"{ref} is not a commit of this repository: run `make pin`"
    [pinned] = re.findall(r"uses:\s*modelci/modelci@([0-9a-f]{40})", shown.stdout)
    assert pinned == _model_pr_pin(), "the README's workflow ref runs an older action: `make pin`"


def test_every_action_pin_in_the_readme_is_the_released_one() -> None:
    pins = set(re.findall(r"modelci/modelci@([0-9a-f]{40})", README))
    assert pins == {_model_pr_pin()}


def test_pull_request_snippet_is_a_valid_workflow(tmp_path: Path) -> None:
    path = tmp_path / "model.yml"
    path.write_text(_pull_request_snippet(), encoding="utf-8")
    check_schemastore("vendor.github-workflows", path)


def test_readme_documents_every_exit_code() -> None:
    from modelci.errors import ExitCode

    for code in ExitCode:
        assert f"| {int(code)} |" in README, (
            f"exit code {int(code)} ({code.name}) is not documented"
        )


def _retrain_snippet() -> str:
    [snippet] = [b for b in _yaml_blocks() if b.startswith("# .github/workflows/retrain.yml")]
    return snippet


def test_retrain_snippet_asks_for_the_least_permissions_and_pins_a_commit_with_the_workflow() -> (
    None
):
    workflow = yaml.safe_load(_retrain_snippet())
    assert workflow["permissions"] == {}
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}  # YAML 1.1 reads `on` as True
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    _assert_pins_the_current("model-retrain.yml", job["uses"])


def test_deploy_snippet_asks_for_the_least_permissions_and_pins_a_commit_with_the_workflow() -> (
    None
):
    [snippet] = [b for b in _yaml_blocks() if b.startswith("# .github/workflows/deploy.yml")]
    workflow = yaml.safe_load(snippet)
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write"}
    current = _assert_pins_the_current("model-deploy.yml", job["uses"])
    called = yaml.safe_load(current)[True]["workflow_call"]["inputs"]
    assert set(job["with"]) <= set(called)


def _assert_pins_the_current(workflow: str, uses: str) -> str:
    """`uses` names this repository's reusable `workflow` at a commit holding it as it is now;
    the workflow's text."""
    path, _, ref = uses.partition("@")
    assert path == f"modelci/modelci/.github/workflows/{workflow}"
    require_git_history()
    shown = subprocess.run(
        ["git", "show", f"{ref}:.github/workflows/{workflow}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 0, f"{ref} has no {workflow}: pin a newer commit"
    current = (ROOT / ".github/workflows" / workflow).read_text(encoding="utf-8")
    assert shown.stdout == current, f"the README's ref runs an older {workflow}"
    return current


def test_release_snippet_runs_on_quoted_tag_patterns_with_the_job_s_grants_only(
    tmp_path: Path,
) -> None:
    [snippet] = [b for b in _yaml_blocks() if b.startswith("# .github/workflows/release.yml")]
    assert 'tags: ["*@v*"]' in snippet  # quoted: a bare `*` would start a YAML alias
    workflow = yaml.safe_load(snippet)
    assert workflow["permissions"] == {}
    assert set(workflow[True]) == {"push", "workflow_dispatch"}  # YAML 1.1 reads `on` as True
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {
        "contents": "write",
        "packages": "write",
        "id-token": "write",
        "attestations": "write",
    }
    written = tmp_path / "release.yml"
    written.write_text(snippet, encoding="utf-8")
    check_schemastore("vendor.github-workflows", written)
    _assert_pins_the_current("model-release.yml", job["uses"])
