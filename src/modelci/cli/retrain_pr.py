"""`modelci retrain-pr`: open or update the retraining pull request from a pushed branch."""

from __future__ import annotations

import json
from pathlib import Path

import click

from modelci.cli._options import api_url_option, format_option, github_token_option, repo_option
from modelci.errors import DataError, ExitCode, UsageError
from modelci.operations.retrain_pr import DEFAULT_BRANCH, DEFAULT_LABEL, DEFAULT_TITLE

_SAY = {
    "created": "Opened pull request",
    "updated": "Updated pull request",
    "unchanged": "Pull request unchanged",
}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(
            f"cannot read the body file {path}: {error}",
            file=str(path),
            hint="Write the drift report (`modelci drift --markdown F`) and the check report "
            "(`modelci check` writes report.md) first.",
        ) from None


@click.command("retrain-pr")
@click.option(
    "--branch",
    default=DEFAULT_BRANCH,
    show_default=True,
    help="The pushed branch holding the retrained model (the pull request's head).",
)
@click.option("--base", required=True, help="Branch to merge into, e.g. main.")
@click.option("--title", default=DEFAULT_TITLE, show_default=True, help="Pull request title.")
@click.option(
    "--body-file",
    "body_files",
    multiple=True,
    required=True,
    metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Markdown for the body, in order (repeat: the drift report, then the check report). "
    "Cut by whole sections to GitHub's 65,536-character limit.",
)
@click.option(
    "--label",
    "labels",
    multiple=True,
    default=[DEFAULT_LABEL],
    show_default=True,
    help="Label to add (repeatable); GitHub creates a label the repository lacks.",
)
@repo_option("Repository of the pull request.")
@github_token_option("Token allowed to open pull requests (`pull-requests: write`).")
@api_url_option()
@format_option(["text", "json"], "text", "Rendering on standard output.")
def retrain_pr(
    branch: str,
    base: str,
    title: str,
    body_files: tuple[Path, ...],
    labels: tuple[str, ...],
    repo: str | None,
    github_token: str | None,
    api_url: str | None,
    output_format: str,
) -> ExitCode:
    """Open the retraining pull request from a pushed branch, or update the open one.

    The open pull request whose head is --branch is edited in place (title, body); with none,
    one is opened into --base. The labels are added either way. Inside GitHub Actions the
    step outputs pull-request-url, pull-request-number and pull-request-action are set.

    \b
    Example, in a workflow step with `permissions: pull-requests: write` and
    `env: {GITHUB_TOKEN: ${{ github.token }}}`, after pushing modelci/retrain:
      modelci retrain-pr --base main --body-file drift.md --body-file report.md \\
        --label modelci-retrain --format json
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
    from modelci.operations.retrain_pr import compose_body, open_or_update_pull_request

    body = compose_body(*(_read(path) for path in body_files))
    with GitHubClient(github_token, api_url=api_url) as client:
        result = open_or_update_pull_request(
            client, repo, branch=branch, base=base, title=title, body=body, labels=labels
        )
    if actions.in_actions():
        actions.Actions().set_outputs(
            {
                "pull-request-url": result.html_url,
                "pull-request-number": str(result.number),
                "pull-request-action": result.action,
            }
        )
    if output_format == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        click.echo(f"{_SAY[result.action]} #{result.number} {result.html_url}")
    if result.truncated:
        click.echo("Warning: the body exceeded GitHub's limit and was cut by sections.", err=True)
    return ExitCode.OK
