"""`modelci check`: parse options, run the check operation, write and print the report."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from modelci.cli._options import (
    directory_option,
    format_option,
    output_dir_option,
    params_file_option,
)
from modelci.errors import ExitCode

if TYPE_CHECKING:
    from modelci.adapters.actions import Actions


@click.command("check")
@click.option(
    "--base",
    metavar="REV",
    help="Git revision to compare against (branch, tag or SHA). Omit on a first run.",
)
@click.option(
    "--baseline",
    metavar="STAGE",
    help="Compare with the model card of the registry version in this stage (`production`, "
    "or `NAME#production` when dvc.yaml declares several models) instead of --base.",
)
@params_file_option()
@output_dir_option("Where report.md and report.json are written.")
@click.option(
    "--repro/--no-repro",
    default=True,
    show_default=True,
    help="Run `dvc repro` (skip to check the workspace as it is).",
)
@format_option(
    ["auto", "text", "markdown", "json", "none"],
    "auto",
    "What to print on standard output once done: auto is text on a terminal (coloured unless "
    "NO_COLOR is set), the markdown of report.md otherwise.",
)
@directory_option()
def check(
    base: str | None,
    baseline: str | None,
    params_file: Path,
    output_dir: Path,
    repro: bool,
    output_format: str,
    directory: Path,
) -> ExitCode:
    """Validate data, reproduce the DVC pipeline, diff metrics against BASE, evaluate gates.

    Writes report.md and report.json. Exit codes: 0 pass, 1 a gate failed, 2 usage error,
    3 configuration error, 4 invalid data, 5 pipeline failed, 9 registry error (--baseline),
    70 internal error (a bug).

    \b
    Examples:
      modelci check --base origin/main
      modelci check --baseline production
    """
    from modelci.adapters import actions as gha
    from modelci.operations.check import CheckOptions, check_lock, run_check
    from modelci.report import write_reports

    actions = gha.Actions() if gha.in_actions() else None
    progress = _progress(actions)
    out_dir = output_dir if output_dir.is_absolute() else directory / output_dir
    with check_lock(directory):  # one check at a time per workspace, report writing included
        config, report = run_check(
            CheckOptions(
                root=directory,
                params_file=params_file,
                base=base,
                repro=repro,
                baseline=baseline or None,
            ),
            progress,
        )
        progress("done", "")
        written = write_reports(report, out_dir, max_samples=config.report.max_samples)
    markdown = written.markdown_text
    if actions:
        config_file = params_file.as_posix()
        from modelci.operations.action import publish_report

        publish_report(
            actions,
            report,
            markdown,
            {"markdown": written.markdown, "json": written.json},
            config_file,
            directory,
        )
    tty = sys.stdout.isatty()
    if output_format == "auto":
        output_format = "text" if tty else "markdown"
    if output_format == "text":
        from modelci.report.text import render_text

        color = tty and not os.environ.get("NO_COLOR")
        text = render_text(report, color=color)
        click.echo(text, nl=False, color=color)
    elif output_format == "markdown":
        click.echo(markdown)
    elif output_format == "json":
        click.echo(json.dumps(written.data, indent=2, default=str, allow_nan=False))
    click.echo(f"{report.summary}\nReport: {written.markdown} and {written.json}", err=True)
    return report.verdict.exit_code


def _progress(actions: Actions | None) -> Callable[[str, str], None]:
    """Progress on stderr; inside GitHub Actions each step's log is a collapsible group."""

    def emit(kind: str, text: str) -> None:
        if actions is not None:
            if kind in ("step", "done"):
                actions.end_group()
            if kind == "step":
                actions.start_group(text)
            elif kind == "log":
                actions.log(text)
            return
        if kind == "step":
            click.secho(f"==> {text}", err=True, bold=True)
        elif kind == "log":
            click.echo(f"    {text}", err=True)

    return emit
