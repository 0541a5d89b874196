"""`modelci action ...`: the steps of the modelci GitHub Action (action.yml), one command each.

Each gathers the facts (its options, the event payload, the files), lets
`modelci.operations.action` decide, and writes the decision as annotations and step outputs.
The action's YAML only calls these: no verdict, comment rule or output is decided in bash.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from modelci.errors import ExitCode

if TYPE_CHECKING:
    from modelci.adapters.actions import Actions
    from modelci.operations.action import Outcome

_BOOL = click.Choice(["true", "false"])


@click.group("action")
def action() -> None:
    """Steps of the modelci GitHub Action: inputs, check, comment, verdict.

    They write GitHub Actions annotations and step outputs ($GITHUB_OUTPUT); action.yml calls
    them in this order.

    \b
    Example (what the action's last step runs):
      modelci action verdict --exit-code 1 --fail-on-gate false
    """


def _actions() -> Actions:
    from modelci.adapters.actions import Actions

    return Actions()


def _show(actions: Actions, outcome: Outcome) -> int:
    if outcome.log:
        click.echo(outcome.log)
    if outcome.annotation:
        note = outcome.annotation
        actions.annotate(note.level, note.message, title=note.title)
    return outcome.exit_code


@action.command("inputs")
@click.option("--comment", required=True, help="The `comment` input.")
@click.option("--repro", required=True, help="The `repro` input.")
@click.option("--fail-on-gate", required=True, help="The `fail-on-gate` input.")
@click.option("--working-directory", required=True, help="The `working-directory` input.")
@click.option("--params-file", required=True, help="The `params-file` input.")
def inputs(
    comment: str, repro: str, fail_on_gate: str, working_directory: str, params_file: str
) -> ExitCode:
    """Refuse wrong or contradictory inputs up front, each with what to use instead.

    \b
    Example:
      modelci action inputs --comment auto --repro true --fail-on-gate true \\
        --working-directory . --params-file params.yaml
    """
    from modelci.operations.action import input_problems

    problems = input_problems(
        comment=comment,
        repro=repro,
        fail_on_gate=fail_on_gate,
        working_directory=working_directory,
        params_file=params_file,
        is_dir=lambda p: Path(p).is_dir(),
        is_file=lambda p: Path(p).is_file(),
    )
    actions = _actions()
    for problem in problems:
        actions.error(problem, title="modelci: bad input")
    return ExitCode.USAGE if problems else ExitCode.OK


@action.command("check")
@click.option("--params-file", required=True, help="The `params-file` input.")
@click.option("--output-dir", required=True, help="The `output-dir` input.")
@click.option("--base", default="", help="The `base` input. Empty: the pull request's base.")
@click.option(
    "--baseline", default="", help="The `baseline` input: a registry stage. Empty: use base."
)
@click.option("--repro", type=_BOOL, default="true", show_default=True, help="The `repro` input.")
@click.pass_context
def check(
    ctx: click.Context, params_file: str, output_dir: str, base: str, baseline: str, repro: str
) -> None:
    """Run `modelci check` and record its exit code and verdict as step outputs.

    Always exits 0 once the code is recorded, so the comment is posted before `modelci action
    verdict` fails the job.

    \b
    Example:
      modelci action check --params-file params.yaml --output-dir modelci-report
    """
    from modelci.adapters.actions import event_pull_request
    from modelci.cli.check import check as check_command
    from modelci.cli.main import exit_code_of
    from modelci.operations.action import verdict_for

    if not base and not baseline:  # a baseline stage replaces the pull request's base
        event = event_pull_request()
        base = (event.base_sha if event else None) or ""
    out = Path(output_dir).absolute()
    code = exit_code_of(
        lambda: ctx.invoke(
            check_command,
            base=base or None,
            baseline=baseline or None,
            params_file=Path(params_file),
            output_dir=out,
            repro=repro == "true",
            output_format="none",
            directory=Path(),
        ),
        ctx,
    )
    _actions().set_outputs(
        {"exit-code": str(code), "verdict": verdict_for(code).value, "report-dir": str(out)}
    )
    click.echo(f"modelci check exited with {code}.")


@action.command("comment")
@click.option(
    "--comment", "mode", type=click.Choice(["auto", "always", "never"]), required=True,
    help="The `comment` input.",
)  # fmt: skip
@click.option("--report-dir", required=True, help="Where `modelci action check` wrote report.md.")
@click.option("--comment-id", default="modelci", show_default=True, help="The `comment-id` input.")
@click.option("--author", default="", help="The `comment-author` input. Empty: asked of GitHub.")
@click.option("--github-token", envvar="GITHUB_TOKEN", show_envvar=True, default="", help="Token.")
@click.option("--api-url", envvar="GITHUB_API_URL", show_envvar=True, help="GitHub REST API root.")
def comment(
    mode: str, report_dir: str, comment_id: str, author: str, github_token: str, api_url: str | None
) -> int:
    """Post or update the sticky report comment when the event and the `comment` input call for it.

    Writes the `comment-url` output. A fork's refusal is a warning; a rejected token an error.

    \b
    Example (GITHUB_TOKEN in the environment):
      modelci action comment --comment auto --report-dir modelci-report
    """
    import os

    from modelci.adapters.actions import event_pull_request
    from modelci.cli.main import print_error
    from modelci.errors import ModelciError
    from modelci.operations.action import comment_failure, plan_comment

    actions = _actions()
    event = event_pull_request()
    report = Path(report_dir) / "report.md"
    plan = plan_comment(
        mode,  # type: ignore[arg-type]  # click.Choice holds one of the modes
        event_name=os.environ.get("GITHUB_EVENT_NAME", ""),
        pr_number=event.number if event else None,
        head_repository=event.head_repository if event else None,
        repository=os.environ.get("GITHUB_REPOSITORY", ""),
        report_exists=report.is_file(),
        has_token=bool(github_token.strip()),
    )
    if not plan.post or event is None:
        return _show(actions, plan.outcome)

    from modelci.adapters.github import GitHubClient
    from modelci.operations.comment import upsert_sticky_comment

    try:
        with GitHubClient(github_token, api_url=api_url) as client:
            result = upsert_sticky_comment(
                client,
                os.environ.get("GITHUB_REPOSITORY", ""),
                event.number,
                report.read_text(encoding="utf-8"),
                comment_id=comment_id,
                author=author or None,
            )
    except ModelciError as error:
        print_error(error)
        status = getattr(error, "status", None)
        return _show(actions, comment_failure(int(error.exit_code), status, fork=plan.fork))
    actions.set_outputs({"comment-url": result.html_url})
    click.echo(f"Comment {result.action}: {result.html_url}")
    if result.truncated:
        actions.warning("The report exceeded GitHub's comment limit and was truncated.")
    return ExitCode.OK


@action.command("verdict")
@click.option("--exit-code", required=True, help="What `modelci action check` recorded.")
@click.option("--fail-on-gate", type=_BOOL, default="true", show_default=True)
@click.option("--params-file", default="params.yaml", show_default=True)
def verdict(exit_code: str, fail_on_gate: str, params_file: str) -> int:
    """End the job as the check's exit code says: an error always fails it.

    \b
    Example:
      modelci action verdict --exit-code 1 --fail-on-gate false
    """
    from modelci.operations.action import job_outcome, parse_exit_code

    outcome = job_outcome(
        parse_exit_code(exit_code), fail_on_gate=fail_on_gate == "true", params_file=params_file
    )
    return _show(_actions(), outcome)
