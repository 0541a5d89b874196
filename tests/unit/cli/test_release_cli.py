"""`modelci release create` against the fake GitHub, with the environment a workflow step has."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from modelci.cli.main import cli
from modelci.packaging.card import record_image
from tests.support.fake_github import DEFAULT_REPO, WORKFLOW_TOKEN, FakeGitHub
from tests.support.outputs import read_outputs

DIGEST = "sha256:" + "9f" * 32


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        yield gh


def _files(tmp_path: Path, *, pushed: bool = True) -> list[str]:
    card = tmp_path / "model-card.json"
    card.write_text(json.dumps({"name": "fraud", "version": "v2.0.0", "metrics": {"f1": 0.95}}))
    if pushed:
        record_image(card, "ghcr.io/octo-org/fraud:v2.0.0", DIGEST)
    sbom = tmp_path / "sbom.cdx.json"
    sbom.write_text('{"bomFormat": "CycloneDX"}')
    return ["--model-card", str(card), "--sbom", str(sbom)]


def _run(
    fake: FakeGitHub, args: list[str], tmp_path: Path, **env: str
) -> tuple[Result, dict[str, str]]:
    output = tmp_path / "github_output"
    output.touch()
    environment = {
        "GITHUB_TOKEN": WORKFLOW_TOKEN,
        "GITHUB_API_URL": fake.url,
        "GITHUB_REPOSITORY": DEFAULT_REPO,
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        **env,
    }
    result = CliRunner().invoke(cli, ["release", "create", *args], env=environment)
    return result, read_outputs(output)


def test_creates_then_leaves_the_release_unchanged_with_step_outputs(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    args = _files(tmp_path)
    first, outputs = _run(fake, [*args, "--format", "json"], tmp_path)
    assert first.exit_code == 0, first.output
    [release] = fake.releases(DEFAULT_REPO)
    created = json.loads(first.output)
    assert (created["action"], created["tag"], created["image"]) == (
        "created",
        "fraud@v2.0.0",
        f"ghcr.io/octo-org/fraud@{DIGEST}",
    )
    assert outputs == {"release-id": str(release.id), "release-url": created["html_url"]}

    second, _ = _run(fake, args, tmp_path)
    assert second.exit_code == 0
    assert second.output.splitlines() == [
        f"Release unchanged fraud@v2.0.0: {created['html_url']}",
        "  model-card.json: unchanged",
        "  sbom.cdx.json: unchanged",
    ]
    assert len(fake.releases(DEFAULT_REPO)) == 1


def test_a_card_without_an_image_exits_2_before_calling_github(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    result, _ = _run(fake, _files(tmp_path, pushed=False), tmp_path)
    assert result.exit_code == 2
    assert "records no pushed image" in result.output
    assert fake.requests == []


def test_no_token_is_a_usage_error(fake: FakeGitHub, tmp_path: Path) -> None:
    result, _ = _run(fake, _files(tmp_path), tmp_path, GITHUB_TOKEN="")
    assert result.exit_code == 2
    assert "Error: no GitHub token: set GITHUB_TOKEN or pass --github-token" in result.output


def test_github_down_is_a_service_error(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.enqueue_server_error(503, times=10)
    result, _ = _run(fake, _files(tmp_path), tmp_path)
    assert result.exit_code == 6
    assert "GitHub answered 503" in result.output
    assert fake.releases(DEFAULT_REPO) == []
