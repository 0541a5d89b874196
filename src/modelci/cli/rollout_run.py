"""`modelci rollout run`: a canary rollout decided by the analysis, step by step, to its end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from modelci.cli._options import params_file_option
from modelci.cli.rollout_analyse import window_options
from modelci.cli.rollout_local import _common, _readiness, _servers
from modelci.errors import ExitCode


@click.command("run")
@_common
@click.option("--steps", help="Canary percentages. Default: modelci.rollout.steps.")
@window_options
@click.option(
    "--prometheus",
    "prometheus_url",
    metavar="URL",
    help="Query this Prometheus server (root URL) instead of scraping both servers' /metrics.",
)
@click.option(
    "--stage",
    help="The registry stage assigned to the canary on promotion (default: the --env name).",
)
@click.option("--push", is_flag=True, help="Push the stage tag to the remote on promotion.")
@click.option("--remote", default="origin", show_default=True, help="Where --push pushes.")
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the markdown report here (it is appended to $GITHUB_STEP_SUMMARY when set).",
)
@_readiness
@params_file_option()
@_servers
def run(
    environment: str,
    directory: Path,
    output_format: str,
    steps: str | None,
    window_seconds: float | None,
    waits: int,
    prometheus_url: str | None,
    stage: str | None,
    push: bool,
    remote: str,
    summary_path: Path | None,
    health_path: str,
    ready_timeout: float,
    params_file: Path,
    canary_version: str,
    canary_card: Path | None,
    canary_command: str | None,
    canary_image: str | None,
    stable_version: str | None,
    stable_card: Path | None,
    stable_command: str | None,
    stable_image: str | None,
) -> ExitCode:
    """Run a canary to its end: each step's window is analysed, then continue, promote or roll back.

    Starts the rollout (or resumes the one running with the same versions), then at each step
    waits its window and compares canary with stable (errors, latency, predicted scores and
    classes; README, "Canary analysis"). A failing step rolls back at once; a passing last step
    promotes and assigns the registry stage (the --env name unless --stage) to the canary's
    version. Too little traffic waits up to --waits more windows, then ends inconclusive and
    rolls back: it never promotes. The stable version defaults to the one in the stage; each
    version is served from its registered model card (its model file read at its commit, from
    git or the DVC cache) unless --X-card, --X-command or --X-image says otherwise.

    Exit codes: 0 promoted (or the canary already holds the stage); 10 rolled back; 11
    inconclusive; 2 usage; 3 configuration; 6 a service failed (Caddy, Prometheus); 9 registry.

    \b
    Example:
      modelci rollout run --env production --canary fraud-detector@v1.3.0 --window 60
      modelci rollout run --env staging --canary fraud-detector@v1.3.0 \\
        --canary-card cards/v1.3.0.json --stable-card cards/v1.2.0.json --format json
    """
    from modelci.operations.rollout_run import RunOptions, rollout_run
    from modelci.rollout.steps import parse_steps

    options = RunOptions(
        root=directory, environment=environment, canary=canary_version, stable=stable_version,
        stage=stage, canary_card=canary_card, canary_command=canary_command,
        stable_card=stable_card, stable_command=stable_command, canary_image=canary_image,
        stable_image=stable_image,
        steps=parse_steps(steps) if steps else None, window_seconds=window_seconds,
        waits=waits, prometheus_url=prometheus_url, push=push, remote=remote,
        health_path=health_path, ready_timeout=ready_timeout, params_file=params_file,
    )  # fmt: skip

    def on_step(record: Any) -> None:
        if output_format == "text":
            from modelci.report.rollout import step_text

            click.echo("\n".join(step_text(record)))

    result = rollout_run(options, on_step=on_step)
    if result is None:
        click.echo(f"{canary_version} already holds the stage: nothing to roll out.", err=True)
        return ExitCode.OK
    _report(result, summary_path)
    if output_format == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        from modelci.report.rollout import ending_text

        click.echo("\n".join(ending_text(result)))
    return _EXIT_CODES[str(result.ending)]


# The one place an ending becomes an exit code (README, "Exit codes").
_EXIT_CODES = {
    "promoted": ExitCode.OK,
    "rolled-back": ExitCode.ROLLED_BACK,
    "inconclusive": ExitCode.INCONCLUSIVE,
}


def _report(result: Any, summary_path: Path | None) -> None:
    from modelci.adapters.actions import Actions
    from modelci.files import write_text_atomic
    from modelci.report.rollout import render_markdown

    markdown = render_markdown(result)
    if summary_path is not None:
        write_text_atomic(summary_path, markdown)
    Actions().append_summary(markdown)
