"""`modelci comment`: post a report file as the sticky comment of a pull request."""

from __future__ import annotations

from pathlib import Path

import click

from modelci.cli._options import api_url_option, github_token_option, repo_option
from modelci.errors import DataError, ExitCode, UsageError

_SAY = {
    "created": "Created comment",
    "updated": "Updated comment",
    "unchanged": "Comment unchanged",
}


@click.command("comment")
@click.option(
    "--report",
    "report_file",
    required=True,
    metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Markdown file to post (the report.md written by `modelci check`).",
)
@repo_option("Repository of the pull request.")
@click.option(
    "--pr",
    type=click.IntRange(min=1),
    metavar="N",
    help="Pull request number. Default inside GitHub Actions: the event's pull request.",
)
@click.option(
    "--comment-id",
    default="modelci",
    show_default=True,
    metavar="ID",
    help="Report id (letters, digits, . _ -): one sticky comment per id, so several reports "
    "can share a pull request.",
)
@click.option(
    "--author",
    metavar="LOGIN",
    help="Login the token posts as, if not the one GitHub reports (e.g. `my-app[bot]` for a "
    "GitHub App token). Default: asked of GitHub; github-actions[bot] for the workflow token.",
)
@github_token_option("Token allowed to write pull-request comments.")
@api_url_option()
def comment(
    report_file: Path,
    repo: str | None,
    pr: int | None,
    comment_id: str,
    author: str | None,
    github_token: str | None,
    api_url: str | None,
) -> ExitCode:
    """Create or update the sticky report comment on a pull request.

    The first run creates the comment; later runs edit it in place (or leave it alone when the
    report did not change). A report over GitHub's 65,536-character limit is cut with a note.

    \b
    Example, in a pull_request workflow step with `permissions: pull-requests: write` and
    `env: {GITHUB_TOKEN: ${{ github.token }}}` (the repository and pull request come from the
    job's GITHUB_REPOSITORY and event payload):
      modelci comment --report report.md
    Example, locally:
      GITHUB_TOKEN=$(gh auth token) modelci comment --report report.md \\
        --repo octo-org/model-repo --pr 42
    """
    if not github_token:
        raise UsageError(
            "no GitHub token: set GITHUB_TOKEN or pass --github-token",
            hint="In a workflow add `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` to the step.",
        )
    if not repo:
        raise UsageError(
            "no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY",
            hint="GitHub Actions sets GITHUB_REPOSITORY in every job.",
        )
    if pr is None:
        from modelci.adapters.actions import pull_request_number

        pr = pull_request_number()
        if pr is None:
            raise UsageError(
                "no pull request: pass --pr N",
                hint="Inside GitHub Actions it defaults to the pull request of a pull_request "
                "event (GITHUB_EVENT_PATH); this event has none.",
            )
    try:
        body = report_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(
            f"cannot read the report {report_file}: {error}",
            file=str(report_file),
            hint="Run `modelci check` first; it writes report.md.",
        ) from None

    # Imported here so that `modelci --help` does not import requests.
    from modelci.adapters.github import GitHubClient
    from modelci.operations.comment import upsert_sticky_comment

    with GitHubClient(github_token, api_url=api_url) as client:
        result = upsert_sticky_comment(client, repo, pr, body, comment_id=comment_id, author=author)
    click.echo(f"{_SAY[result.action]} {result.html_url}")
    if result.truncated:
        click.echo(
            "Warning: the report exceeded GitHub's comment limit and was truncated.", err=True
        )
    return ExitCode.OK
