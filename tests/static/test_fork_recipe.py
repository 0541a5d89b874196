"""docs/fork-pull-requests.md's workflow passes the same audits as ours and pins the same SHAs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from tests.support.tools import ROOT, check_schemastore, require_tool

DOC = ROOT / "docs" / "fork-pull-requests.md"
MODEL_PR = ROOT / ".github" / "workflows" / "model-pr.yml"
_PIN = re.compile(r"uses:\s*([\w.-]+/[\w.-]+)@([0-9a-f]{40})")


def recipe() -> str:
    match = re.search(
        r"<!-- fork-recipe:start -->\n```yaml\n(.*?)```\n<!-- fork-recipe:end -->",
        DOC.read_text(encoding="utf-8"),
        re.S,
    )
    assert match, f"{DOC.name} lacks the fork-recipe block"
    return match[1]


def _write(tmp_path: Path) -> Path:
    path = tmp_path / ".github" / "workflows" / "modelci-fork-comment.yml"
    path.parent.mkdir(parents=True)
    path.write_text(recipe(), encoding="utf-8")
    return path


def test_recipe_has_no_zizmor_findings(tmp_path: Path) -> None:
    zizmor = require_tool("zizmor")
    _write(tmp_path)
    run = subprocess.run(
        [zizmor, "--offline", "--no-progress", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_recipe_matches_schemastore(tmp_path: Path) -> None:
    check_schemastore("vendor.github-workflows", _write(tmp_path))


def test_recipe_never_runs_the_pull_requests_code() -> None:
    workflow = yaml.safe_load(recipe())
    assert list(workflow[True]) == ["workflow_run"]  # YAML 1.1 reads `on` as True
    assert workflow["permissions"] == {}
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    for step in job["steps"]:
        assert "${{" not in step.get("run", "")
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["repository"] == "modelci/modelci"  # never the fork's code
            assert step["with"]["persist-credentials"] is False


def test_recipe_pins_what_model_pr_pins() -> None:
    ours = dict(_PIN.findall(MODEL_PR.read_text(encoding="utf-8")))
    theirs = dict(_PIN.findall(recipe()))
    for name, sha in theirs.items():
        if name in ours:
            assert sha == ours[name], name
    # modelci itself, checked out at the commit model-pr.yml's action is pinned to.
    checkout_ref = re.search(r"ref:\s*([0-9a-f]{40})", recipe())
    assert checkout_ref and checkout_ref[1] == ours["modelci/modelci"]
