"""`modelci action ...`, the action's steps, with a real project, real files and the fake GitHub."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from modelci.cli.main import cli
from tests.support.fake_github import (
    BOT_LOGIN,
    DEFAULT_REPO,
    READ_ONLY_TOKEN,
    WORKFLOW_TOKEN,
    FakeGitHub,
)
from tests.support.outputs import read_outputs

MARK = "<!-- modelci:comment-id=modelci -->"


def _annotations(result: Result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("::")]


# -- verdict ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "fail_on_gate", "exit_code", "shown"),
    [
        ("0", "true", 0, "modelci: passed."),
        ("1", "true", 1, "::error title=modelci%3A gate failed::A metric gate failed: see the"),
        ("1", "false", 0, "::warning title=modelci::A metric gate failed (fail-on-gate is false"),
        ("2", "false", 2, "::error title=modelci%3A usage error::modelci check refused"),
        (
            "3",
            "false",
            3,
            "::error title=modelci%3A configuration error::Fix the modelci: section of cfg.yaml",
        ),
        ("4", "false", 4, "::error title=modelci%3A invalid data::Data failed validation"),
        ("5", "false", 5, "::error title=modelci%3A pipeline failed::dvc repro or git failed"),
        ("6", "false", 6, "::error title=modelci%3A service error::An outside service"),
        ("70", "false", 70, "::error title=modelci%3A internal error::modelci crashed"),
        ("137", "false", 137, "::error title=modelci%3A failed::modelci check exited with 137"),
        ("", "false", 70, "::error title=modelci%3A failed::modelci check did not report"),
    ],
)
def test_verdict_ends_the_job_as_the_exit_code_says(
    code: str, fail_on_gate: str, exit_code: int, shown: str
) -> None:
    args = ["action", "verdict", "--exit-code", code, "--fail-on-gate", fail_on_gate]
    result = CliRunner().invoke(cli, [*args, "--params-file", "cfg.yaml"])
    assert result.exit_code == exit_code
    [line] = result.stdout.splitlines()
    assert line.startswith(shown), line


# -- inputs ----------------------------------------------------------------------------------


def test_inputs_are_refused_with_annotations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "params.yaml").write_text("modelci: {}\n")
    good = ["--comment", "auto", "--repro", "true", "--fail-on-gate", "false"]
    where = ["--working-directory", "project", "--params-file", "params.yaml"]
    ok = CliRunner().invoke(cli, ["action", "inputs", *good, *where])
    assert (ok.exit_code, ok.stdout) == (0, "")
    bad = ["--comment", "sometimes", "--repro", "yes", "--fail-on-gate", "true"]
    result = CliRunner().invoke(cli, ["action", "inputs", *bad, *where[:2], "--params-file", "x"])
    assert result.exit_code == 2
    assert _annotations(result) == [
        "::error title=modelci%3A bad input::comment is 'sometimes'; use auto, always or never.",
        "::error title=modelci%3A bad input::repro is 'yes'; use true or false.",
        "::error title=modelci%3A bad input::params-file 'x' not found in 'project'; set "
        "params-file or working-directory.",
    ]


# -- check -----------------------------------------------------------------------------------


@pytest.fixture
def runner_files(tmp_path: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "MODELCI_DEBUG": "",
    }


def test_check_records_a_pass(
    project: Path, runner_files: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    args = ["action", "check", "--params-file", "params.yaml", "--output-dir", "out"]
    result = CliRunner().invoke(cli, [*args, "--repro", "false"], env=runner_files)
    assert result.exit_code == 0
    outputs = read_outputs(Path(runner_files["GITHUB_OUTPUT"]))
    assert (outputs["exit-code"], outputs["verdict"]) == ("0", "pass")
    assert outputs["report-dir"] == str(project / "out")
    assert outputs["report-json"] == str(project / "out" / "report.json")
    assert result.stdout.endswith("modelci check exited with 0.\n")


def test_check_records_a_crash_as_70_and_still_exits_0(
    project: Path, regular_file: Path, runner_files: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comment step runs after it; the verdict step fails the job."""
    monkeypatch.chdir(project)
    args = ["action", "check", "--params-file", "params.yaml"]
    result = CliRunner().invoke(
        cli,
        [*args, "--output-dir", str(regular_file / "out"), "--repro", "false"],
        env=runner_files,
    )
    assert result.exit_code == 0
    outputs = read_outputs(Path(runner_files["GITHUB_OUTPUT"]))
    assert (outputs["exit-code"], outputs["verdict"]) == ("70", "error")
    assert "Internal error: NotADirectoryError" in result.stderr
    verdict = CliRunner().invoke(cli, ["action", "verdict", "--exit-code", outputs["exit-code"]])
    assert verdict.exit_code == 70


def test_check_compares_with_the_pull_requests_base_by_default(
    project: Path, runner_files: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(project)
    event = tmp_path / "event.json"
    missing = "0123456789abcdef0123456789abcdef01234567"
    event.write_text(json.dumps({"pull_request": {"number": 3, "base": {"sha": missing}}}))
    env = {**runner_files, "GITHUB_EVENT_PATH": str(event)}
    args = ["action", "check", "--params-file", "params.yaml", "--output-dir", "out"]
    result = CliRunner().invoke(cli, [*args, "--base", "", "--repro", "false"], env=env)
    assert result.exit_code == 0
    outputs = read_outputs(Path(runner_files["GITHUB_OUTPUT"]))
    assert (outputs["exit-code"], outputs["verdict"]) == ("2", "error")
    assert missing in result.stderr  # the base it was told to compare with does not exist


def test_a_baseline_stage_replaces_the_pull_requests_base(
    project: Path, runner_files: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(project)
    event = tmp_path / "event.json"
    missing = "0123456789abcdef0123456789abcdef01234567"
    event.write_text(json.dumps({"pull_request": {"number": 3, "base": {"sha": missing}}}))
    env = {**runner_files, "GITHUB_EVENT_PATH": str(event)}
    args = ["action", "check", "--params-file", "params.yaml", "--output-dir", "out"]
    result = CliRunner().invoke(
        cli, [*args, "--base", "", "--baseline", "production", "--repro", "false"], env=env
    )
    assert result.exit_code == 0
    outputs = read_outputs(Path(runner_files["GITHUB_OUTPUT"]))
    # The stage is looked up in the registry (this project declares no model), not the PR base.
    assert (outputs["exit-code"], outputs["verdict"]) == ("3", "error")
    assert "dvc.yaml declares no model in `artifacts:`" in result.stderr
    assert missing not in result.stderr


def test_a_config_error_in_a_subfolder_points_at_the_file_from_the_repository_root(
    project: Path, runner_files: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (project / "params.yaml").write_text(
        "modelci:\n  gates:\n    - metric: f1\n      treshold: 1\n"
    )
    monkeypatch.chdir(project)
    env = {**runner_files, "GITHUB_WORKSPACE": str(tmp_path)}  # the project is in repo/
    args = ["action", "check", "--params-file", "params.yaml", "--output-dir", "out"]
    result = CliRunner().invoke(cli, [*args, "--repro", "false"], env=env)
    assert read_outputs(Path(runner_files["GITHUB_OUTPUT"]))["exit-code"] == "3"
    [annotation] = _annotations(result)
    assert annotation.startswith(
        "::error file=repo/params.yaml,line=4,title=modelci%3A ConfigError::"
    )


# -- comment ---------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        yield gh


def _event(tmp_path: Path, head: str | None = DEFAULT_REPO) -> str:
    path = tmp_path / "event.json"
    repo = {"full_name": head} if head else None
    path.write_text(json.dumps({"pull_request": {"number": 1, "head": {"repo": repo}}}))
    return str(path)


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "report.md").write_text("## modelci report\n\nF1 0.91\n")
    return folder


def _comment(
    fake: FakeGitHub,
    tmp_path: Path,
    report_dir: Path,
    *,
    mode: str = "auto",
    token: str = WORKFLOW_TOKEN,
    head: str | None = DEFAULT_REPO,
) -> tuple[Result, dict[str, str]]:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_EVENT_PATH": _event(tmp_path, head),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REPOSITORY": DEFAULT_REPO,
        "GITHUB_API_URL": fake.url,
        "GITHUB_TOKEN": token,
    }
    args = ["action", "comment", "--comment", mode, "--report-dir", str(report_dir)]
    result = CliRunner().invoke(cli, [*args, "--comment-id", "modelci", "--author", ""], env=env)
    return result, read_outputs(tmp_path / "output")


def test_comment_posts_and_outputs_the_url_from_githubs_answer(
    fake: FakeGitHub, tmp_path: Path, report_dir: Path
) -> None:
    result, outputs = _comment(fake, tmp_path, report_dir)
    assert result.exit_code == 0, result.output
    [comment] = fake.comments()
    assert (comment.author, comment.body) == (BOT_LOGIN, f"{MARK}\n## modelci report\n\nF1 0.91\n")
    url = f"https://github.com/{DEFAULT_REPO}/pull/1#issuecomment-{comment.id}"
    assert outputs == {"comment-url": url}
    assert result.stdout == f"Comment created: {url}\n"


def test_never_and_a_fork_under_auto_post_nothing(
    fake: FakeGitHub, tmp_path: Path, report_dir: Path
) -> None:
    never, outputs = _comment(fake, tmp_path, report_dir, mode="never")
    assert (never.exit_code, never.stdout, outputs) == (
        0,
        "comment is 'never': the report is in the job summary only.\n",
        {},
    )
    fork, _ = _comment(fake, tmp_path, report_dir, head="contributor/model-repo")
    assert fork.exit_code == 0
    [notice] = _annotations(fork)
    assert notice.startswith("::notice title=modelci::Pull request from contributor/model-repo")
    assert fake.requests == []


def test_a_rejected_token_is_named_as_such(
    fake: FakeGitHub, tmp_path: Path, report_dir: Path
) -> None:
    result, outputs = _comment(fake, tmp_path, report_dir, token="ghs_expired000000000000000000")
    assert result.exit_code == 6
    assert outputs == {}
    assert _annotations(result) == [
        "::error title=modelci%3A token rejected::GitHub rejected the token (401): it is "
        "expired, revoked or wrong. Pass a valid token in github-token, or set comment: never."
    ]
    assert result.stderr.startswith("Error: GitHub rejected the token (401 Bad credentials)")
    assert "permission" not in result.output.lower()


def test_a_read_only_token_asks_for_the_permission_but_a_fork_only_warns(
    fake: FakeGitHub, tmp_path: Path, report_dir: Path
) -> None:
    result, _ = _comment(fake, tmp_path, report_dir, token=READ_ONLY_TOKEN)
    assert result.exit_code == 6
    assert _annotations(result) == [
        "::error title=modelci%3A comment refused::The token may not comment here (403). Grant "
        "the job 'pull-requests: write', or set comment: never."
    ]
    fork, _ = _comment(
        fake, tmp_path, report_dir, mode="always", token=READ_ONLY_TOKEN, head="contributor/x"
    )
    assert fork.exit_code == 0
    [warning] = _annotations(fork)
    assert warning.startswith(
        "::warning title=modelci::Could not comment on this fork pull request"
    )
    assert fake.comments() == []


def test_an_html_answer_fails_the_comment_with_what_came_back(
    fake: FakeGitHub, tmp_path: Path, report_dir: Path
) -> None:
    fake.enqueue(200, "<html>Sign in</html>", method="GET", path=r"/comments")
    result, outputs = _comment(fake, tmp_path, report_dir)
    assert result.exit_code == 6
    assert outputs == {}
    assert "Traceback" not in result.output
    assert result.stderr.startswith(
        "Error: GitHub's API answered 200 with text/html; charset=utf-8, not JSON, from "
        f"{fake.url}/repos/{DEFAULT_REPO}/issues/1/comments (it starts: '<html>Sign in</html>')"
    )
    assert _annotations(result) == [
        "::error title=modelci%3A comment failed::Could not post the report comment (exit 6): "
        "see the error above."
    ]


def test_a_missing_report_is_a_warning_and_no_request(
    fake: FakeGitHub, tmp_path: Path, report_dir: Path
) -> None:
    (report_dir / "report.md").unlink()
    result, _ = _comment(fake, tmp_path, report_dir)
    assert result.exit_code == 0
    [warning] = _annotations(result)
    assert warning.startswith("::warning title=modelci::No report to post")
    assert fake.requests == []
