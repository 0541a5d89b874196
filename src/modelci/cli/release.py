"""`modelci release create`: the model version's GitHub Release."""

from __future__ import annotations

import json
from pathlib import Path

import click

from modelci.cli._options import (
    api_url_option,
    format_option,
    github_token_option,
    model_card_option,
    repo_option,
)
from modelci.errors import ExitCode, UsageError

_SAY = {
    "created": "Created release",
    "completed": "Completed release",
    "updated": "Updated release",
    "unchanged": "Release unchanged",
}


@click.group("release")
def release() -> None:
    """GitHub Releases of registered model versions.

    \b
    Example, after `modelci image build --push ...` recorded the image in the card:
      modelci release create --repo octo-org/model-repo
    """


@release.command("create")
@model_card_option()
@click.option(
    "--sbom",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("build/image/sbom.cdx.json"),
    show_default=True,
    help="The image's CycloneDX SBOM (`modelci image build` writes it).",
)
@click.option(
    "--tag",
    help="The git tag to release (default: the registry's NAME@VERSION from the card).",
)
@repo_option("Repository to release in.")
@github_token_option("Token allowed to create releases (`contents: write`).")
@api_url_option()
@format_option(["text", "json"], "text", "Rendering on standard output.")
def create(
    model_card: Path,
    sbom: Path,
    tag: str | None,
    repo: str | None,
    github_token: str | None,
    api_url: str | None,
    output_format: str,
) -> ExitCode:
    """Create or complete the release of the card's version; safe to run again.

    The notes are the model card (metrics with intervals, lineage), the image by digest and
    how to run it; the card JSON and the SBOM are attached. A second run changes nothing; a
    run that failed part way left a draft, which the next run completes and publishes.

    \b
    Example, in a workflow step with `permissions: contents: write`:
      modelci release create --model-card model-card.json --sbom build/image/sbom.cdx.json
    """
    if not github_token:
        raise UsageError(
            "no GitHub token: set GITHUB_TOKEN or pass --github-token",
            hint="In a workflow add `env: GITHUB_TOKEN: ${{ github.token }}` to the step.",
        )
    if not repo:
        raise UsageError(
            "no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY",
            hint="GitHub Actions sets GITHUB_REPOSITORY in every job.",
        )
    from modelci.adapters import actions
    from modelci.adapters.github import GitHubClient
    from modelci.operations.release import create_release

    with GitHubClient(github_token, api_url=api_url) as client:
        result = create_release(client, repo, model_card, sbom_path=sbom, tag=tag)
    if actions.in_actions():
        actions.Actions().set_outputs(
            {"release-url": result.html_url, "release-id": str(result.release_id)}
        )
    if output_format == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(f"{_SAY[result.action]} {result.tag}: {result.html_url}")
        for name, action in result.assets.items():
            click.echo(f"  {name}: {action}")
    return ExitCode.OK
