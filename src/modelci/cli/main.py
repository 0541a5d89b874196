"""Entry point: the `modelci` group, lazy subcommands, and the one place errors become exit codes.

Subcommands live in their own modules and are imported only when invoked, so `modelci --help`
stays fast (no pandas, dvc or scikit-learn import).
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from modelci import ISSUES_URL, __version__
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
        "Validate data, reproduce the DVC pipeline, diff metrics against BASE, evaluate gates.",
    ),
    "action": (
        "modelci.cli.action",
        "action",
        "Steps of the modelci GitHub Action: inputs, check, comment, verdict.",
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
    "registry": (
        "modelci.cli.registry",
        "registry",
        "The model registry on git tags, as GTO writes them: register, assign, show, history.",
    ),
    "serve": (
        "modelci.cli.serve",
        "serve",
        "Serve a verified model over the Open Inference Protocol v2, until SIGTERM.",
    ),
    "package": (
        "modelci.cli.package",
        "package",
        "Write a build context: the model, its card, a Dockerfile and a wheelhouse.",
    ),
    "image": (
        "modelci.cli.image",
        "image",
        "Build and push the model's image (Docker Engine or podman, through DOCKER_HOST).",
    ),
    "release": (
        "modelci.cli.release",
        "release",
        "GitHub Releases of registered model versions.",
    ),
    "rollout": (
        "modelci.cli.rollout",
        "rollout",
        "Canary rollouts: on this host behind Caddy, or as Kubernetes manifests; analyse a step.",
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
        return load_command(module_name, attr)

    def invoke(self, ctx: click.Context) -> Any:
        ctx.exit(exit_code_of(lambda: super(LazyGroup, self).invoke(ctx), ctx))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def load_command(module_name: str, attr: str) -> click.Command:
    """A command from its module, imported now (commands are imported only when invoked)."""
    command = getattr(importlib.import_module(module_name), attr)
    assert isinstance(command, click.Command)
    return command


def exit_code_of(call: Callable[[], Any], ctx: click.Context) -> int:
    """Run a command; map what it returns or raises to the documented exit codes, in one place.

    A command returns an ExitCode (None counts as success). A ModelciError prints its message
    and hint; any other exception is a bug (70), never a verdict.
    """
    try:
        result = call()
    except ModelciError as error:
        print_error(error)
        _annotate(error)
        return int(error.exit_code)
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise  # click's own usage errors and exits keep click's codes (2, the exit's, 1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130  # the shell's code for a process ended by SIGINT
    except Exception as error:
        if ctx.find_root().params.get("debug"):
            traceback.print_exception(error, file=sys.stderr)
        line = internal_error_line(error)
        click.secho(line, err=True, fg="red")
        _annotate_crash(line)
        return int(ExitCode.INTERNAL)
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


def print_error(error: ModelciError) -> None:
    click.secho(f"Error: {error.message}", err=True, fg="red")
    if error.hint:
        click.echo(f"Hint: {error.hint}", err=True)


def internal_error_line(error: BaseException) -> str:
    """`Internal error: <type>: <message> (at <file>:<line>). ...` for an unexpected exception."""
    frames = traceback.extract_tb(error.__traceback__)
    package = Path(__file__).resolve().parents[1]  # src/modelci
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(package)]
    where = ""
    if chosen := ours or frames:
        frame = chosen[-1]
        path = Path(frame.filename).resolve()
        shown = path.relative_to(package.parent) if path.is_relative_to(package) else path
        where = f" (at {shown.as_posix()}:{frame.lineno})"
    text = str(error).strip().replace("\n", " ")
    return (
        f"Internal error: {type(error).__name__}{': ' + text if text else ''}{where}. "
        f"This is a bug in modelci: please report it at {ISSUES_URL} with the output of --debug."
    )


def _annotate(error: ModelciError) -> None:
    """Inside GitHub Actions, also show the error on each file and line it is about (a
    configuration error with several problems gets one annotation per problem)."""
    from modelci.adapters import actions

    if not actions.in_actions():
        return
    runtime = actions.Actions()
    for file, line, message in error.locations():
        runtime.error(message, file=file, line=line, title=f"modelci: {type(error).__name__}")


def _annotate_crash(line: str) -> None:
    from modelci.adapters import actions

    if actions.in_actions():
        actions.Actions().error(line, title="modelci: internal error")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="modelci")
@click.option(
    "--debug",
    is_flag=True,
    envvar="MODELCI_DEBUG",
    show_envvar=True,
    help="On an internal error, print the full traceback.",
)
def cli(debug: bool) -> None:
    """Model CI/CD: validate data, reproduce DVC pipelines, gate metrics, report on pull requests.

    \b
    Example:
      modelci check --base origin/main
    """


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="modelci")
