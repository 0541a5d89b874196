"""`modelci comment` end to end against the fake GitHub (environment as in a workflow)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelci.cli.main import cli, main
from tests.support.fake_github import (
    BOT_LOGIN,
    DEFAULT_REPO,
    READ_ONLY_TOKEN,
    WORKFLOW_TOKEN,
    FakeGitHub,
)

MARK = "<!-- modelci:comment-id=modelci -->"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        yield gh


@pytest.fixture
def env(fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The variables a workflow step has (for main(), which reads os.environ, too)."""
    values = {"GITHUB_TOKEN": WORKFLOW_TOKEN, "GITHUB_API_URL": fake.url}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    return values


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.md"
    path.write_text("## modelci report\n\nF1 0.91 (+0.02)\n", encoding="utf-8")
    return path


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_creates_then_leaves_unchanged_then_updates(
    fake: FakeGitHub, env: dict[str, str], report: Path
) -> None:
    args = ["comment", "--report", str(report), "--repo", DEFAULT_REPO, "--pr", "1"]
    code, out, err = run(args, env)
    [comment] = fake.comments()
    url = f"https://github.com/{DEFAULT_REPO}/pull/1#issuecomment-{comment.id}"
    assert (code, out, err) == (0, f"Created comment {url}\n", "")
    assert (comment.author, comment.body) == (BOT_LOGIN, f"{MARK}\n{report.read_text()}")

    assert run(args, env) == (0, f"Comment unchanged {url}\n", "")

    report.write_text("## modelci report\n\nF1 0.93 (+0.04)\n", encoding="utf-8")
    assert run(args, env) == (0, f"Updated comment {url}\n", "")
    assert [c.body for c in fake.comments()] == [f"{MARK}\n## modelci report\n\nF1 0.93 (+0.04)\n"]


def test_repo_comes_from_github_repository_and_ids_keep_reports_apart(
    fake: FakeGitHub, env: dict[str, str], report: Path
) -> None:
    env = {**env, "GITHUB_REPOSITORY": DEFAULT_REPO}
    base = ["comment", "--report", str(report), "--pr", "2"]
    assert run(base, env)[0] == 0
    assert run([*base, "--comment-id", "gpu", "--author", BOT_LOGIN], env)[0] == 0
    assert [c.body.splitlines()[0] for c in fake.comments(DEFAULT_REPO, 2)] == [
        MARK,
        "<!-- modelci:comment-id=gpu -->",
    ]
    # --author named the identity: no `GET /user` for the second run.
    assert [r.path for r in fake.requests].count("/user") == 1


def test_a_long_report_is_truncated_with_a_warning(
    fake: FakeGitHub, env: dict[str, str], tmp_path: Path
) -> None:
    report = tmp_path / "big.md"
    report.write_text("| row | value |\n" * 6000, encoding="utf-8")  # 96,000 characters
    code, out, err = run(
        ["comment", "--report", str(report), "--repo", DEFAULT_REPO, "--pr", "1"], env
    )
    assert code == 0
    assert out.startswith("Created comment https://github.com/")
    assert err == "Warning: the report exceeded GitHub's comment limit and was truncated.\n"
    assert len(fake.comments()[0].body) <= 65_536


def test_missing_token_is_a_usage_error_with_a_hint(
    env: dict[str, str],
    report: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    with pytest.raises(SystemExit) as exited:
        main(["comment", "--report", str(report), "--repo", DEFAULT_REPO, "--pr", "1"])
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "Error: no GitHub token: set GITHUB_TOKEN or pass --github-token\n"
        "Hint: In a workflow add `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` to the step.\n"
    )


def test_missing_repo_is_a_usage_error(
    env: dict[str, str], report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["comment", "--report", str(report), "--pr", "1"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.startswith(
        "Error: no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY\n"
    )


def test_a_missing_report_file_is_a_data_error(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.md"
    with pytest.raises(SystemExit) as exited:
        main(["comment", "--report", str(missing), "--repo", DEFAULT_REPO, "--pr", "1"])
    assert exited.value.code == 4
    err = capsys.readouterr().err
    assert err.startswith(f"Error: cannot read the report {missing}: ")
    assert "Hint: Run `modelci check` first" in err


def test_forbidden_exits_6_with_the_permission_hint_and_no_token(
    fake: FakeGitHub,
    env: dict[str, str],
    report: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", READ_ONLY_TOKEN)
    with pytest.raises(SystemExit) as exited:
        main(["comment", "--report", str(report), "--repo", DEFAULT_REPO, "--pr", "1"])
    assert exited.value.code == 6
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        f"Error: the token is not allowed to POST /repos/{DEFAULT_REPO}/issues/1/comments "
        "(403 Resource not accessible by integration)\n"
        "Hint: Give the workflow `pull-requests: write` (or `issues: write`)"
    )
    assert READ_ONLY_TOKEN not in out + err
    assert fake.comments() == []


def test_a_rejected_token_passed_as_an_option_is_not_echoed(
    env: dict[str, str], report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "ghp_DoNotPrintThisTokenAnywhere0000000"
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "comment",
                "--report",
                str(report),
                "--repo",
                DEFAULT_REPO,
                "--pr",
                "1",
                "--github-token",
                secret,
            ]
        )
    assert exited.value.code == 6
    out, err = capsys.readouterr()
    assert err.startswith("Error: GitHub rejected the token (401 Bad credentials) on GET /user\n")
    assert secret not in out + err


def test_bad_repo_and_comment_id_are_refused_before_any_request(
    fake: FakeGitHub, env: dict[str, str], report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for extra, message in [
        (["--repo", "not-a-repo"], "Error: repository must be OWNER/NAME, got 'not-a-repo'\n"),
        (
            ["--repo", DEFAULT_REPO, "--comment-id", "a b"],
            "Error: comment id must use only letters, digits, `.`, `_` and `-`, got 'a b'\n",
        ),
    ]:
        with pytest.raises(SystemExit) as exited:
            main(["comment", "--report", str(report), "--pr", "1", *extra])
        assert exited.value.code == 2
        assert capsys.readouterr().err.startswith(message)
    assert fake.requests == []


def test_help_shows_the_env_vars_and_an_example_but_never_the_token(env: dict[str, str]) -> None:
    code, out, _ = run(["comment", "--help"], env)
    assert code == 0
    assert "GITHUB_TOKEN=$(gh auth token) modelci comment --report report.md" in out
    out = " ".join(out.split())  # undo click's wrapping
    assert "env var: GITHUB_TOKEN" in out
    assert "env var: GITHUB_REPOSITORY" in out
    assert "env var: GITHUB_API_URL" in out
    assert "modelci comment --report report.md" in out
    assert "--pr ${{" not in out  # never a template expression inside a shell command
    assert WORKFLOW_TOKEN not in out
    assert env["GITHUB_API_URL"] not in out


def test_importing_the_command_does_not_import_requests() -> None:
    code = "import sys, modelci.cli.comment; print('requests' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout == "False\n"


def test_pull_request_comes_from_the_event_payload_inside_actions(
    fake: FakeGitHub, env: dict[str, str], report: Path, tmp_path: Path
) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"action": "opened", "pull_request": {"number": 2}}', encoding="utf-8")
    env = {**env, "GITHUB_REPOSITORY": DEFAULT_REPO, "GITHUB_EVENT_PATH": str(event)}
    code, out, _ = run(["comment", "--report", str(report)], env)
    assert code == 0
    assert out.startswith(f"Created comment https://github.com/{DEFAULT_REPO}/pull/2#issuecomment-")
    assert len(fake.comments(DEFAULT_REPO, 2)) == 1

    event.write_text('{"ref": "refs/heads/main"}', encoding="utf-8")  # a push: no pull request
    code, _, err = run(["comment", "--report", str(report)], env)
    assert code == 2
    assert "Error: no pull request: pass --pr N" in err
