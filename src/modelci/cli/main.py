"""Entry point: the `modelci` group, lazy subcommands, and the one place errors become exit codes.

Subcommands live in their own modules and are imported only when invoked, so `modelci --help`
stays fast (no pandas, dvc or scikit-learn import).
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from modelci import __version__
from modelci.errors import ExitCode, ModelciError

# command name -> (module, attribute, short help shown by `modelci --help` without importing it)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": (
        "modelci.cli.validate",
        "validate",
        "Validate CSV or Parquet files against a Pandera schema.",
    ),
    "check": (
        "modelci.cli.check",
        "check",
        "Validate data, reproduce the pipeline, diff metrics, evaluate gates.",
    ),
    "drift": (
        "modelci.cli.drift",
        "drift",
        "Detect drift of new data against reference data, per column.",
    ),
    "comment": (
        "modelci.cli.comment",
        "comment",
        "Create or update the sticky report comment on a pull request.",
    ),
    "retrain-pr": (
        "modelci.cli.retrain_pr",
        "retrain_pr",
        "Open the retraining pull request from a pushed branch, or update the open one.",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        module_name, attr, _ = _COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Map what a command returns or raises to the documented exit codes, in one place."""
        try:
            result = super().invoke(ctx)
        except ModelciError as error:
            click.secho(f"Error: {error.message}", err=True, fg="red")
            if error.hint:
                click.echo(f"Hint: {error.hint}", err=True)
            _annotate(error)
            ctx.exit(int(error.exit_code))
        # Commands return an ExitCode (None counts as success).
        ctx.exit(int(result) if isinstance(result, int) else ExitCode.OK)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _annotate(error: ModelciError) -> None:
    """Inside GitHub Actions, also show the error on the file and line it is about."""
    from modelci.adapters import actions

    if not actions.in_actions():
        return
    message = error.message + (f" Hint: {error.hint}" if error.hint else "")
    actions.Actions().error(
        message,
        file=getattr(error, "file", None),
        line=getattr(error, "line", None),
        title=f"modelci: {type(error).__name__}",
    )


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="modelci")
def cli() -> None:
    """Model CI/CD: validate data, reproduce DVC pipelines, gate metrics, report on pull requests.

    \b
    Example:
      modelci check --base origin/main
    """


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="modelci")
