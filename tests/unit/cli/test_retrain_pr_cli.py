"""`modelci retrain-pr` against the fake GitHub, with the environment a workflow step has."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from modelci.cli.main import cli
from tests.support.fake_github import DEFAULT_REPO, READ_ONLY_TOKEN, WORKFLOW_TOKEN, FakeGitHub


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        yield gh


@pytest.fixture
def reports(tmp_path: Path) -> list[str]:
    drift = tmp_path / "drift.md"
    drift.write_text("## Drift\n5 of 10 columns drifted\n", encoding="utf-8")
    check = tmp_path / "report.md"
    check.write_text("## Fraud model report\n| f1 | 0.93 |\n", encoding="utf-8")
    return ["--body-file", str(drift), "--body-file", str(check)]


def _run(
    fake: FakeGitHub, args: list[str], tmp_path: Path, token: str = WORKFLOW_TOKEN
) -> tuple[Result, str]:
    output = tmp_path / "github_output"
    output.touch()
    env = {
        "GITHUB_TOKEN": token,
        "GITHUB_API_URL": fake.url,
        "GITHUB_REPOSITORY": DEFAULT_REPO,
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
    }
    result = CliRunner().invoke(cli, ["retrain-pr", "--base", "main", *args], env=env)
    return result, output.read_text(encoding="utf-8")


def test_opens_then_updates_and_reports_as_json_and_step_outputs(
    fake: FakeGitHub, reports: list[str], tmp_path: Path
) -> None:
    first, outputs = _run(fake, [*reports, "--format", "json"], tmp_path)
    assert first.exit_code == 0, first.output
    [pull] = fake.pull_requests(DEFAULT_REPO)
    url = f"https://github.com/{DEFAULT_REPO}/pull/{pull.number}"
    assert json.loads(first.stdout) == {
        "action": "created",
        "number": pull.number,
        "url": url,
        "labels": ["modelci-retrain"],
        "truncated": False,
    }
    assert (
        pull.body == "## Drift\n5 of 10 columns drifted\n\n## Fraud model report\n| f1 | 0.93 |\n"
    )
    assert f"\n{url}\n" in outputs and "pull-request-action<<" in outputs

    Path(reports[1]).write_text("## Fraud model report\n| f1 | 0.95 |\n", encoding="utf-8")
    second, _ = _run(fake, [*reports, "--label", "ml", "--label", "retrain"], tmp_path)
    assert second.exit_code == 0, second.output
    assert second.stdout == f"Updated pull request #{pull.number} {url}\n"
    [again] = fake.pull_requests(DEFAULT_REPO)
    assert "0.95" in (again.body or "")
    assert again.labels == ["modelci-retrain", "ml", "retrain"]


def test_a_missing_body_file_is_a_data_error_before_any_request(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    result, _ = _run(fake, ["--body-file", str(tmp_path / "nope.md")], tmp_path)
    assert result.exit_code == 4
    assert f"Error: cannot read the body file {tmp_path / 'nope.md'}" in result.stderr
    assert fake.requests == []


def test_a_read_only_token_exits_6_naming_the_permission(
    fake: FakeGitHub, reports: list[str], tmp_path: Path
) -> None:
    result, _ = _run(fake, reports, tmp_path, token=READ_ONLY_TOKEN)
    assert result.exit_code == 6
    assert "pull-requests: write" in result.stderr
    assert READ_ONLY_TOKEN not in result.output + result.stderr
