import io
import json
from pathlib import Path

import pytest

from modelci.adapters.actions import (
    Actions,
    PullRequestEvent,
    event_pull_request,
    in_actions,
    pull_request_number,
)


def test_in_actions_reads_the_runner_variable() -> None:
    assert in_actions({"GITHUB_ACTIONS": "true"})
    assert not in_actions({})


def test_annotations_escape_data_and_properties() -> None:
    out = io.StringIO()
    Actions(env={}, out=out).error("50% bad\nrows", file="data/a,b.csv", line=14, title="Bad: data")
    assert (
        out.getvalue()
        == "::error file=data/a%2Cb.csv,line=14,title=Bad%3A data::50%25 bad%0Arows\n"
    )


def test_outputs_use_random_heredoc_delimiters(tmp_path: Path) -> None:
    output = tmp_path / "out"
    actions = Actions(env={"GITHUB_OUTPUT": str(output)}, out=io.StringIO())
    assert actions.set_outputs({"verdict": "pass", "metrics": '{"f1":0.9}\nEOF'})
    lines = output.read_text().splitlines()
    assert (
        lines[0].startswith("verdict<<modelci_")
        and lines[1] == "pass"
        and lines[2] == lines[0].split("<<")[1]
    )
    assert lines[4:6] == ['{"f1":0.9}', "EOF"]


def test_summary_appends_and_is_skipped_outside_a_runner(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("before\n")
    assert Actions(env={"GITHUB_STEP_SUMMARY": str(summary)}).append_summary("## Report")
    assert summary.read_text() == "before\n## Report\n"
    assert not Actions(env={}).append_summary("x")


def test_group_wraps_output() -> None:
    out = io.StringIO()
    actions = Actions(env={}, out=out)
    with actions.group("dvc repro"):
        out.write("line\n")
    assert out.getvalue() == "::group::dvc repro\nline\n::endgroup::\n"


def test_groups_do_not_nest_and_close_once() -> None:
    out = io.StringIO()
    actions = Actions(env={}, out=out)
    actions.start_group("one")
    actions.log("a")
    actions.start_group("two: 100%")
    actions.end_group()
    actions.end_group()
    assert out.getvalue() == "::group::one\na\n::endgroup::\n::group::two: 100%25\n::endgroup::\n"


def test_annotation_paths_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    """In a monorepo modelci runs in a subfolder; GitHub wants paths from the repository root."""
    project = tmp_path / "models" / "fraud"
    project.mkdir(parents=True)
    out = io.StringIO()
    actions = Actions(env={"GITHUB_WORKSPACE": str(tmp_path)}, out=out)
    assert actions.annotation_path("params.yaml", project) == "models/fraud/params.yaml"
    assert actions.annotation_path(project / "dvc.yaml") == "models/fraud/dvc.yaml"
    assert actions.annotation_path("../fraud/data/a.csv", project) == "models/fraud/data/a.csv"
    # Outside the repository (or outside a runner) the path stays as given.
    assert actions.annotation_path("/etc/hosts", project) == "/etc/hosts"
    assert Actions(env={}).annotation_path("params.yaml", project) == "params.yaml"
    actions.error("unknown key", file="params.yaml", line=3, title="Bad", base=project)
    assert out.getvalue() == "::error file=models/fraud/params.yaml,line=3,title=Bad::unknown key\n"


def test_the_default_base_is_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    actions = Actions(env={"GITHUB_WORKSPACE": str(tmp_path)}, out=io.StringIO())
    assert actions.annotation_path("params.yaml") == "project/params.yaml"


def test_the_event_pull_request_is_read_from_the_payload(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "number": 7,
                    "base": {"sha": "a" * 40},
                    "head": {"repo": {"full_name": "contributor/model"}},
                }
            }
        )
    )
    env = {"GITHUB_EVENT_PATH": str(event)}
    assert event_pull_request(env) == PullRequestEvent(7, "a" * 40, "contributor/model")
    assert pull_request_number(env) == 7
    event.write_text(json.dumps({"pull_request": {"number": 8, "head": {"repo": None}}}))
    assert event_pull_request(env) == PullRequestEvent(8, None, None)  # a deleted fork
    event.write_text(json.dumps({"ref": "refs/heads/main"}))
    assert event_pull_request(env) is None
    event.write_text("not json")
    assert event_pull_request(env) is None
    assert event_pull_request({}) is None
