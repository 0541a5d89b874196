"""adapters.dvc.Project on a real git + DVC repository: one plan for a check with nothing to
do, and a commit's metrics and params remembered by its SHA."""

from __future__ import annotations

import json
import re
import sys

import pytest

from modelci.adapters.dvc import REVISION_CACHE, Project

from .conftest import MiniProject


def test_a_commits_metrics_are_remembered_by_its_sha(project: MiniProject) -> None:
    sha = project.run("git", "rev-parse", "HEAD").stdout.strip()
    with Project(project.root) as first:
        assert first.metrics(sha).files["eval/metrics.json"]["f1"] == 0.95
    [saved] = (project.root / REVISION_CACHE).glob("*.json")
    payload = json.loads(saved.read_text())
    assert payload["metrics"]["files"]["eval/metrics.json"]["f1"] == 0.95
    assert payload["params"]["files"]["params.yaml"]["train"]["quality"] == 0.95
    # What a later Project reads is the remembered copy, not the commit again: prove it by
    # changing the copy (a commit's content itself cannot change).
    payload["metrics"]["files"]["eval/metrics.json"]["f1"] = 0.5
    saved.write_text(json.dumps(payload))
    with Project(project.root) as again:
        assert again.metrics(sha).files["eval/metrics.json"]["f1"] == 0.5
        # A ref that can move (HEAD, a branch) is read from git every time.
        assert again.metrics("HEAD").files["eval/metrics.json"]["f1"] == 0.95


def test_a_damaged_copy_is_read_again_from_the_commit(project: MiniProject) -> None:
    sha = project.run("git", "rev-parse", "HEAD").stdout.strip()
    with Project(project.root) as first:
        first.params(sha)
    [saved] = (project.root / REVISION_CACHE).glob("*.json")
    saved.write_text("{not json")
    with Project(project.root) as again:
        assert again.params(sha).files["params.yaml"]["train"]["depth"] == 3


def test_values_json_would_not_give_back_are_never_remembered(project: MiniProject) -> None:
    params = (project.root / "params.yaml").read_text()
    project.write("params.yaml", params + "cutoff: .nan\n")  # NaN: not equal to itself
    project.commit("a NaN in params")
    sha = project.run("git", "rev-parse", "HEAD").stdout.strip()
    with Project(project.root) as first:
        assert str(first.params(sha).files["params.yaml"]["cutoff"]) == "nan"
    assert not list((project.root / REVISION_CACHE).glob("*.json"))


def test_with_nothing_stale_a_check_plans_the_pipeline_once(
    project: MiniProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[tuple[str, ...], bool]] = []
    original = Project.plan

    def counting(self: Project, targets=(), *, status=True):  # type: ignore[no-untyped-def]
        names, stale = original(self, targets, status=status)
        calls.append((tuple(targets), status))
        return names, stale

    monkeypatch.setattr(Project, "plan", counting)
    with Project(project.root) as p:
        data = p.repro(["train"])
        full = p.repro()
    assert (data.ran, full.ran, full.skipped) == ((), (), ("train",))
    # One status pass over the whole pipeline; the targeted and the full repro reuse it.
    assert calls == [((), True), (("train",), False), ((), False)]


def test_the_plan_is_dvcs_own_for_names_paths_and_nested_pipelines(project: MiniProject) -> None:
    """Plain stage names come from the open index; other targets through DVC's collector. Both
    must name what `dvc repro --dry` would run, and a nested dvc.yaml stays out of the default."""
    project.write(
        "extra/dvc.yaml",
        "stages:\n  side:\n    cmd: echo side > side.txt\n    outs: [side.txt]\n",
    )
    project.commit("a nested pipeline")

    def dry(*targets: str) -> list[str]:
        out = project.run(sys.executable, "-m", "dvc", "repro", "--dry", "--force", *targets)
        return re.findall(r"Running stage '([^']+)'", out.stdout)

    with Project(project.root) as p:
        for targets in ((), ("train",), ("dvc.yaml:train",), ("extra/dvc.yaml:side",)):
            names, _ = p.plan(targets, status=False)
            assert names == dry(*targets), targets
            assert names, targets
    assert "extra/dvc.yaml:side" not in dry()
