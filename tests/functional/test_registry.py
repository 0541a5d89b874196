"""`modelci registry` on real git + DVC repositories: registration, refusals, stages, GTO parity,
pushing to a bare remote, and two registrations racing for one version."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.functional.conftest import MiniProject
from tests.functional.registry_project import (
    MODEL,
    bare_remote,
    card_of,
    clone,
    make_registry_project,
    modelci,
    registry,
)

ROOT = Path(__file__).resolve().parents[2]
CARD_SCHEMA = jsonschema.Draft202012Validator(
    json.loads((ROOT / "docs/model-card.schema.json").read_text())
)


@pytest.fixture
def repo(tmp_path: Path) -> MiniProject:
    return make_registry_project(tmp_path / "repo")


def _tags(project: MiniProject) -> list[str]:
    return project.git("tag", "--list").split()


def _new_commit(project: MiniProject, quality: float) -> str:
    project.set_params(quality=quality)
    project.repro()
    return project.commit(f"quality {quality}")


def _lock(project: MiniProject) -> dict[str, object]:
    return yaml.safe_load((project.root / "dvc.lock").read_text())  # type: ignore[no-any-return]


# -- registering -----------------------------------------------------------------------------


def test_register_tags_head_with_a_card_of_its_lineage_and_check(repo: MiniProject) -> None:
    head = repo.git("rev-parse", "HEAD")
    result = registry(repo, "register", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) | {"card": "", "card_markdown": ""} == {
        "name": MODEL,
        "version": "v0.0.1",
        "tag": f"{MODEL}@v0.0.1",
        "commit": head,
        "pushed": False,
        "check": "run",
        "card": "",
        "card_markdown": "",
    }
    assert _tags(repo) == [f"{MODEL}@v0.0.1"]
    assert repo.git("rev-list", "-n1", f"{MODEL}@v0.0.1") == head

    card = card_of(repo, f"{MODEL}@v0.0.1")
    CARD_SCHEMA.validate(card)
    assert json.loads((repo.root / "model-card.json").read_text()) == card
    lock = _lock(repo)["stages"]
    model_out = next(o for o in lock["model"]["outs"] if o["path"] == "models/model.pkl")  # type: ignore[index]
    metadata = json.loads((repo.root / "models/model.json").read_text())
    assert card["git"] == {"commit": head, "subject": "trained model", "tag": f"{MODEL}@v0.0.1"}
    assert card["model"] == {
        "path": "models/model.pkl",
        "type": "model",
        "md5": model_out["md5"],
        "size": model_out["size"],
        "sha256": metadata["sha256"],
        "format": "pickle",
        "trusted_types": [],
        "metadata": "models/model.json",
        "features": [],  # this project's training record names none
    }
    deps = {d["path"]: d for d in card["dependencies"]}  # type: ignore[attr-defined]
    data_dep = next(d for d in lock["train"]["deps"] if d["path"] == "data/points.csv")  # type: ignore[index]
    assert deps["data/points.csv"]["md5"] == data_dep["md5"]
    assert deps["data/points.csv"]["used_by"] == ["train", "model"]
    assert "models/model.pkl" not in deps
    assert card["params"] == {"params.yaml": {"train": {"quality": 0.95, "depth": 3}}}
    metrics = {m["source"]: m["value"] for m in card["metrics"]}  # type: ignore[attr-defined]
    assert metrics["eval/metrics.json:f1"] == 0.95
    assert [(g["metric"], g["passed"]) for g in card["gates"]] == [("f1", True), ("roc_auc", True)]  # type: ignore[attr-defined]
    assert card["check"]["source"] == "run"  # type: ignore[index]
    schema_bytes = (repo.root / "schemas/points.yaml").read_bytes()
    [schema] = card["schemas"]  # type: ignore[misc]
    assert schema["sha256"] == hashlib.sha256(schema_bytes).hexdigest()
    assert schema["content"] == schema_bytes.decode()
    assert card["environment"]["python"] == metadata["environment"]["python"]  # type: ignore[index]
    assert card["environment"]["packages"] == {"pyyaml": yaml.__version__}  # type: ignore[index]
    assert card["image"] is None
    assert card["warnings"] == [
        "the model file is pickle: loading it can run code from the file; it is loaded only "
        "after its SHA-256 matches"
    ]
    markdown = (repo.root / "model-card.md").read_text()
    assert markdown.startswith(f"# {MODEL} v0.0.1\n")
    assert "| <code>eval/metrics.json:f1</code> | 0.95 | - |" in markdown


def test_a_dirty_workspace_is_refused_and_nothing_is_tagged(repo: MiniProject) -> None:
    repo.set_params(quality=0.97)
    result = registry(repo, "register")
    assert result.returncode == 9
    assert result.stderr.splitlines()[:2] == [
        f"Error: cannot register {MODEL}: the workspace has uncommitted changes (params.yaml)",
        "Hint: commit them (a registered version is exactly one commit) or stash them",
    ]
    assert _tags(repo) == []


def test_a_commit_whose_check_fails_is_refused(repo: MiniProject) -> None:
    _new_commit(repo, 0.5)
    result = registry(repo, "register")
    assert result.returncode == 9
    assert "running the check" in result.stderr
    assert (
        "Error: the check of "
        f"{repo.git('rev-parse', 'HEAD')[:12]} did not pass: Fail: 1 of 2 gates failed: "
    ) in result.stderr
    assert _tags(repo) == []
    # The check it ran left its report: the next attempt reads it instead of checking again.
    again = registry(repo, "register")
    assert again.returncode == 9
    assert "running the check" not in again.stderr
    assert "did not pass: Fail: 1 of 2 gates failed" in again.stderr


def test_a_passing_report_of_the_commit_is_used_without_running_the_check(
    repo: MiniProject,
) -> None:
    assert modelci(repo, "check", "--format", "none").returncode == 0
    result = registry(repo, "register")
    assert result.returncode == 0, result.stderr
    assert "running the check" not in result.stderr
    assert card_of(repo, "v0.0.1")["check"]["source"] == "report"  # type: ignore[index]


def test_a_report_of_another_commit_does_not_count(repo: MiniProject) -> None:
    assert modelci(repo, "check", "--format", "none").returncode == 0
    _new_commit(repo, 0.5)  # the report.json on disk is about the previous commit
    result = registry(repo, "register")
    assert result.returncode == 9
    assert "running the check" in result.stderr


def test_a_commit_that_does_not_reproduce_as_committed_is_refused(repo: MiniProject) -> None:
    repo.set_params(quality=0.97)
    head = repo.commit("params changed, pipeline not run")  # dvc.lock is stale
    result = registry(repo, "register")
    assert result.returncode == 9
    error = next(line for line in result.stderr.splitlines() if line.startswith("Error:"))
    assert error.startswith(
        f"Error: the check changed tracked files: {head[:12]} does not reproduce as committed ("
    )
    assert "dvc.lock" in error
    assert _tags(repo) == []


def test_versions_bump_and_a_taken_version_or_commit_is_refused(repo: MiniProject) -> None:
    assert registry(repo, "register").returncode == 0
    again = registry(repo, "register")
    assert again.returncode == 9
    head = repo.git("rev-parse", "HEAD")
    assert f"Error: {head[:12]} is registered already as {MODEL} v0.0.1: `{MODEL}@v0.0.1`" in (
        again.stderr
    )
    _new_commit(repo, 0.96)
    assert registry(repo, "register", "--bump", "minor").returncode == 0
    _new_commit(repo, 0.97)
    taken = registry(repo, "register", "--version", "v0.1.0")
    assert taken.returncode == 9
    assert f"Error: {MODEL} v0.1.0 is registered already: `{MODEL}@v0.1.0`" in taken.stderr
    bad = registry(repo, "register", "--version", "1.0")
    assert bad.returncode == 2
    assert "Error: `1.0` is not a version GTO accepts" in bad.stderr
    both = registry(repo, "register", "--version", "v1.0.0", "--bump", "major")
    assert both.returncode == 2
    assert "Error: --version and --bump exclude each other" in both.stderr
    assert registry(repo, "register", "--bump", "major").returncode == 0
    assert sorted(_tags(repo)) == [f"{MODEL}@v0.0.1", f"{MODEL}@v0.1.0", f"{MODEL}@v1.0.0"]


def test_the_first_version_cannot_be_bumped(repo: MiniProject) -> None:
    result = registry(repo, "register", "--bump", "minor")
    assert result.returncode == 2
    assert f"Error: no version of {MODEL} is registered yet: there is nothing to bump" in (
        result.stderr
    )


def test_a_model_not_declared_in_dvc_yaml_is_a_configuration_error(repo: MiniProject) -> None:
    result = registry(repo, "register", "--name", "other")
    assert result.returncode == 3
    assert (
        f"dvc.yaml (key `artifacts`): dvc.yaml declares no artifact `other` (declared: {MODEL})"
        in (result.stderr)
    )


# -- stages, reading, and GTO reading the same tags ------------------------------------------


def test_assign_current_show_and_history(repo: MiniProject) -> None:
    first = repo.git("rev-parse", "HEAD")
    assert registry(repo, "register").returncode == 0
    none = registry(repo, "current", MODEL, "production")
    assert none.returncode == 9
    assert f"Error: no version of {MODEL} is in stage `production`" in none.stderr
    assigned = registry(repo, "assign", "v0.0.1", "production", "--format", "json")
    assert assigned.returncode == 0, assigned.stderr
    assert json.loads(assigned.stdout) == {
        "name": MODEL,
        "version": "v0.0.1",
        "stage": "production",
        "tag": f"{MODEL}#production#1",
        "commit": first,
        "pushed": False,
    }
    _new_commit(repo, 0.96)
    assert registry(repo, "register").returncode == 0
    current = registry(repo, "current", MODEL, "production")
    assert (current.returncode, current.stdout) == (0, "v0.0.1\n")
    assert registry(repo, "assign", f"{MODEL}@v0.0.2", "production").returncode == 0
    assert registry(repo, "current", MODEL, "production").stdout == "v0.0.2\n"
    unknown = registry(repo, "assign", "v9.9.9", "staging")
    assert unknown.returncode == 2
    assert f"Error: {MODEL} v9.9.9 is not a registered version" in unknown.stderr

    show = json.loads(registry(repo, "show", "--format", "json").stdout)
    assert show == {
        MODEL: {
            "name": MODEL,
            "latest": "v0.0.2",
            "stages": {"production": "v0.0.2"},
            "registered": True,
            "active": True,
        }
    }
    events = json.loads(registry(repo, "history", MODEL, "--format", "json").stdout)
    assert {(e["event"], e["version"], e["stage"], e["tag"]) for e in events} == {
        ("registration", "v0.0.1", None, f"{MODEL}@v0.0.1"),
        ("assignment", "v0.0.1", "production", f"{MODEL}#production#1"),
        ("registration", "v0.0.2", None, f"{MODEL}@v0.0.2"),
        ("assignment", "v0.0.2", "production", f"{MODEL}#production#2"),
    }
    text = registry(repo, "show").stdout.splitlines()
    assert text == ["name       latest  #production", f"{MODEL}  v0.0.2  v0.0.2"]


def _gto(project: MiniProject, *args: str) -> object:
    gto = Path(sys.executable).with_name("gto")
    result = project.run(str(gto), *args, "--json")
    return json.loads(result.stdout)


def test_the_gto_command_line_reads_the_same_versions_and_stages(repo: MiniProject) -> None:
    assert registry(repo, "register").returncode == 0
    assert registry(repo, "assign", "v0.0.1", "staging").returncode == 0
    _new_commit(repo, 0.96)
    assert registry(repo, "register", "--bump", "minor").returncode == 0
    assert registry(repo, "assign", "v0.1.0", "production").returncode == 0

    ours = json.loads(registry(repo, "show", "--format", "json").stdout)
    theirs = _gto(repo, "show")
    assert {name: {"latest": m["latest"], "stages": m["stages"]} for name, m in ours.items()} == {
        name: {"latest": m["version"], "stages": m["stage"]}  # type: ignore[index]
        for name, m in theirs.items()  # type: ignore[attr-defined]
    }
    assert ours[MODEL]["stages"] == {"staging": "v0.0.1", "production": "v0.1.0"}

    our_versions = json.loads(registry(repo, "show", MODEL, "--format", "json").stdout)
    gto_versions = _gto(repo, "show", MODEL)
    assert [(v["version"], v["commit"], sorted(v["stages"])) for v in our_versions] == [
        (v["version"], v["commit_hexsha"], sorted(s["stage"] for s in v["stages"]))  # type: ignore[index]
        for v in gto_versions  # type: ignore[attr-defined]
    ]
    assert [v["version"] for v in our_versions] == ["v0.1.0", "v0.0.1"]


def test_a_tag_without_a_card_reads_as_a_registry_error(repo: MiniProject) -> None:
    gto = Path(sys.executable).with_name("gto")
    repo.run(str(gto), "register", MODEL, "HEAD", "--version", "v3.0.0")
    assert registry(repo, "show", MODEL, "--format", "json").returncode == 0
    result = registry(repo, "card", f"{MODEL}@v3.0.0")
    assert result.returncode == 9
    assert (
        f"Error: the tag `{MODEL}@v3.0.0` carries no model card (registered by another tool?)"
        in result.stderr
    )


# -- pushing: the tag push is the lock -------------------------------------------------------


def test_push_sends_the_tag_to_the_remote(repo: MiniProject, tmp_path: Path) -> None:
    remote = bare_remote(repo, tmp_path / "remote.git")
    result = registry(repo, "register", "--push")
    assert result.returncode == 0, result.stderr
    assert ", pushed to origin" in result.stdout
    remote_tags = subprocess.run(
        ["git", "tag", "--list"], cwd=remote, capture_output=True, text=True, check=True
    ).stdout.split()
    assert remote_tags == [f"{MODEL}@v0.0.1"]
    assert registry(repo, "assign", "v0.0.1", "production", "--push").returncode == 0
    other = clone(remote, tmp_path / "other")
    # A fresh clone has every tag: the registry is the same everywhere.
    assert registry(other, "current", MODEL, "production").stdout == "v0.0.1\n"


def _hook(path: Path, script: str) -> None:
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_two_racing_registrations_one_wins_the_other_names_it_and_leaves_nothing(
    repo: MiniProject, tmp_path: Path
) -> None:
    remote = bare_remote(repo, tmp_path / "remote.git")
    alice = clone(remote, tmp_path / "alice")
    bob = clone(remote, tmp_path / "bob")
    _new_commit(alice, 0.96)
    bob_commit = _new_commit(bob, 0.97)
    # Alice's push starts after she fetched the registry and made her tag: Bob registers and
    # pushes in between (from her pre-push hook), so both picked v0.0.1.
    bob_register = shlex.join(
        [sys.executable, "-m", "modelci", "registry", "register", "--push", "-C", str(bob.root)]
    )
    _hook(
        alice.root / ".git/hooks/pre-push",
        f"unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n{bob_register} >&2 || exit 1\n",
    )
    result = registry(alice, "register", "--push")
    assert result.returncode == 9, result.stderr
    assert f"Registered {MODEL} v0.0.1" not in result.stdout
    error = next(line for line in result.stderr.splitlines() if line.startswith("Error:"))
    assert error.startswith(
        f"Error: another registration pushed `{MODEL}@v0.0.1` first: `{MODEL}@v0.0.1` "
        f"(commit {bob_commit[:12]} by Test <test@example.com> at "
    )
    assert error.endswith("yours was undone (local tag deleted, the winner's fetched)")
    # Exactly one registration, Bob's, on the remote and in Alice's clone alike.
    remote_tags = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname:short) %(*objectname)", "refs/tags"],
        cwd=remote,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert remote_tags == [f"{MODEL}@v0.0.1 {bob_commit}"]
    assert alice.git("tag", "--list") == f"{MODEL}@v0.0.1"
    assert alice.git("rev-list", "-n1", f"{MODEL}@v0.0.1") == bob_commit
    assert not (alice.root / "model-card.json").exists()
    # Running again takes the next version.
    (alice.root / ".git/hooks/pre-push").unlink()
    again = registry(alice, "register", "--push")
    assert again.returncode == 0, again.stderr
    assert f"Registered {MODEL} v0.0.2" in again.stdout


def test_a_refused_push_that_is_no_race_undoes_the_tag(repo: MiniProject, tmp_path: Path) -> None:
    remote = bare_remote(repo, tmp_path / "remote.git")
    _hook(remote / "hooks/pre-receive", "echo 'tags are frozen today' >&2\nexit 1\n")
    result = registry(repo, "register", "--push")
    assert result.returncode == 5
    assert f"Error: pushing `{MODEL}@v0.0.1` to origin failed (" in result.stderr
    assert f"the registration of {MODEL} v0.0.1 was undone (local tag deleted)" in result.stderr
    assert _tags(repo) == []


def test_racing_processes_register_exactly_one_version_each_time(
    repo: MiniProject, tmp_path: Path
) -> None:
    """Two real processes at once on two clones of the same commit: whatever the timing, one
    registers v0.0.1 and the other is refused with the winner named."""
    remote = bare_remote(repo, tmp_path / "remote.git")
    clones = [clone(remote, tmp_path / name) for name in ("one", "two")]
    command = [sys.executable, "-m", "modelci", "registry", "register", "--push"]
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    processes = [
        subprocess.Popen(
            command, cwd=c.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for c in clones
    ]
    outcomes = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in processes]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 9], outcomes
    loser = next(err for code, err in outcomes if code == 9)
    assert f"`{MODEL}@v0.0.1` (commit {repo.git('rev-parse', 'HEAD')[:12]}" in loser
    remote_tags = subprocess.run(
        ["git", "tag", "--list"], cwd=remote, capture_output=True, text=True, check=True
    ).stdout.split()
    assert remote_tags == [f"{MODEL}@v0.0.1"]


# -- check --baseline production -------------------------------------------------------------


def _register_in_production(repo: MiniProject) -> None:
    assert registry(repo, "register").returncode == 0
    assert registry(repo, "assign", "v0.0.1", "production").returncode == 0


def test_check_compares_with_the_production_card_and_names_the_version(
    repo: MiniProject,
) -> None:
    production = repo.git("rev-parse", "HEAD")
    _register_in_production(repo)
    repo.set_params(quality=0.92)  # f1 0.95 -> 0.92: beyond max_regression 0.02
    result = modelci(repo, "check", "--baseline", "production", "--format", "markdown")
    assert result.returncode == 1, result.stderr
    report = repo.report()
    assert report["baseline"] == {
        "stage": "production",
        "name": MODEL,
        "version": "v0.0.1",
        "commit": production,
    }
    assert report["base"]["ref"] == f"{MODEL}@v0.0.1 (production)"  # type: ignore[index]
    f1 = next(g for g in report["gates"] if g["metric"] == "f1")  # type: ignore[attr-defined]
    assert (f1["base"], f1["head"], f1["passed"]) == (0.95, 0.92, False)
    assert (
        f"Compared: <code>{MODEL}&#64;v0.0.1 (production)</code> <code>{production[:12]}</code>"
        in (result.stdout)
    )


def test_the_baseline_metrics_come_from_the_card_not_the_commit(repo: MiniProject) -> None:
    _register_in_production(repo)
    # Re-tag v0.0.1 with a card whose f1 differs from the commit's metrics file.
    tag = f"{MODEL}@v0.0.1"
    message = repo.git("tag", "-l", "--format=%(contents)", tag)
    subject, _, body = message.partition("\n\n")
    card = json.loads(body)
    for metric in card["metrics"]:
        if metric["key"] == "f1":
            metric["value"] = 0.99
    repo.git("tag", "-d", tag)
    repo.git("tag", "-a", tag, "HEAD~0", "-m", subject + "\n\n" + json.dumps(card, indent=2))
    result = modelci(repo, "check", "--baseline", "production", "--format", "none")
    assert result.returncode == 1
    f1 = next(g for g in repo.report()["gates"] if g["metric"] == "f1")  # type: ignore[attr-defined]
    assert (f1["base"], f1["head"]) == (0.99, 0.95)


def test_no_version_in_production_is_a_first_run_with_a_warning(repo: MiniProject) -> None:
    result = modelci(repo, "check", "--baseline", "production", "--format", "none")
    assert result.returncode == 0, result.stderr
    report = repo.report()
    assert report["base"] is None and report["baseline"] is None
    assert (
        "no registered version is in stage `production` yet: nothing to compare with (a first run)"
        in report["warnings"]  # type: ignore[operator]
    )


def test_base_and_baseline_exclude_each_other(repo: MiniProject) -> None:
    result = modelci(repo, "check", "--base", "HEAD", "--baseline", "production")
    assert result.returncode == 2
    assert "Error: --base and --baseline exclude each other" in result.stderr
