"""`modelci rollout start|status|step|promote|abort|stop`: the local target, on this host."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from modelci.cli._options import format_option

_FORMAT = format_option(["text", "json"], "text", "How to print the result.")


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    """--env, -C and --format, shared by every local command."""
    for option in (
        _FORMAT,
        click.option(
            "-C",
            "--directory",
            type=click.Path(path_type=Path, file_okay=False),
            default=Path(),
            help="The project folder; its .modelci/rollouts/ keeps the state.",
        ),
        click.option(
            "--env",
            "environment",
            default="production",
            show_default=True,
            help="The environment rolled out to: one rollout at a time in each.",
        ),
    ):
        command = option(command)
    return command


def _servers(command: Callable[..., Any]) -> Callable[..., Any]:
    """--canary/--stable with -card, -command or -image: what each server is, how it runs."""
    for role in ("stable", "canary"):
        for option in (
            click.option(
                f"--{role}-image",
                metavar="REF",
                help=f"Or run the {role} as a container of this image (of `modelci image "
                "build`) through the Docker API (DOCKER_HOST).",
            ),
            click.option(
                f"--{role}-command",
                metavar="COMMAND",
                help=f"Or run this command for the {role} ({{port}} is replaced by its port).",
            ),
            click.option(
                f"--{role}-card",
                type=click.Path(path_type=Path, dir_okay=False, exists=True),
                help=f"Serve the {role} with `modelci serve --model-card CARD`.",
            ),
            click.option(
                f"--{role}",
                f"{role}_version",
                required=role == "canary",
                metavar="NAME@VERSION",
                help=f"The {role} model's registry version (`run` serves it from the registry).",
            ),
        ):
            command = option(command)
    return command


def _readiness(command: Callable[..., Any]) -> Callable[..., Any]:
    """--health-path and --ready-timeout: when a server counts as up."""
    command = click.option(
        "--ready-timeout", type=click.FloatRange(1), default=60.0, show_default=True
    )(command)
    return click.option(
        "--health-path",
        default="/v2/health/ready",
        show_default=True,
        help="Each server's readiness path: waited for at start, then the router's health check.",
    )(command)


@click.command("start")
@_common
@click.option("--target", type=click.Choice(["local"]), default="local", show_default=True)
@click.option("--steps", default="10,25,50,100", show_default=True, help="Canary percentages.")
@_readiness
@_servers
def start(
    environment: str,
    directory: Path,
    output_format: str,
    target: str,
    steps: str,
    health_path: str,
    ready_timeout: float,
    canary_version: str,
    canary_card: Path | None,
    canary_command: str | None,
    canary_image: str | None,
    stable_version: str | None,
    stable_card: Path | None,
    stable_command: str | None,
    stable_image: str | None,
) -> None:
    """Start a canary: both model servers and the router, at the first step's weights.

    The processes keep running after this command returns. Run again after a crash, it
    brings the rollout back up at the step it had reached; run again otherwise, it does
    nothing. A second rollout to an environment while one runs there is refused.

    \b
    Example:
      modelci rollout start --env production --canary fraud-detector@v1.3.0 \\
        --canary-card cards/v1.3.0.json --stable fraud-detector@v1.2.0 \\
        --stable-card cards/v1.2.0.json
      modelci rollout start --env staging --canary fraud-detector@v1.3.0 \\
        --canary-image ghcr.io/octo-org/fraud-detector:v1.3.0 \\
        --stable fraud-detector@v1.2.0 --stable-image ghcr.io/octo-org/fraud-detector:v1.2.0
    """
    from modelci.rollout import local
    from modelci.rollout.servers import start_request
    from modelci.rollout.state import Store
    from modelci.rollout.steps import parse_steps

    del target  # one target today
    request = start_request(
        environment, parse_steps(steps), health_path, ready_timeout,
        canary=(canary_version, canary_card, canary_command, canary_image),
        stable=(stable_version or "stable", stable_card, stable_command, stable_image),
    )  # fmt: skip
    _show(local.start(Store(directory), request), output_format)


@click.command("status")
@_common
def status(environment: str, directory: Path, output_format: str) -> None:
    """Show a rollout: versions, phase, step, weights, which processes run, its history.

    \b
    Example:
      modelci rollout status --env production --format json
    """
    from modelci.rollout import local
    from modelci.rollout.state import Store

    found = local.status(Store(directory), environment)
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "state": found.state.to_json(),
                    "alive": found.alive,
                    "weights": list(found.weights) if found.weights is not None else None,
                },
                indent=2,
            )
        )
        return
    state = found.state
    click.echo(f"Rollout in {environment}: {state.phase}, canary at {state.canary_percent}%")
    click.echo(
        f"  canary {state.canary.version}: {_where(state.canary.url, found.alive['canary'])}"
    )
    click.echo(
        f"  stable {state.stable.version}: {_where(state.stable.url, found.alive['stable'])}"
    )
    router = (state.router or {}).get("url")
    click.echo(
        f"  router: {_where(router, found.alive['router'])}, weights "
        f"{'/'.join(map(str, found.weights)) if found.weights else 'none'} (stable/canary)"
    )
    click.echo(f"  steps: {', '.join(f'{s}%' for s in state.steps)}; now step {state.step + 1}")
    if state.reason:
        click.echo(f"  reason: {state.reason}")


def _where(url: str | None, alive: bool) -> str:
    return f"{url} (running)" if alive and url else "not running"


def _simple(name: str, summary: str, example: str, operation: str, reason: bool) -> click.Command:
    """One of the commands that act on a running rollout by name."""

    def run(environment: str, directory: Path, output_format: str, **kwargs: Any) -> None:
        from modelci.rollout import local
        from modelci.rollout.state import Store

        _show(getattr(local, operation)(Store(directory), environment, **kwargs), output_format)

    run.__doc__ = f"{summary}\n\n\b\nExample:\n  {example}\n"
    command: Callable[..., Any] = _common(run)
    if reason:
        command = click.option("--reason", help="Why, recorded in the state and history.")(command)
    return click.command(name)(command)


step = _simple(
    "step",
    "Move the canary to the next step (the step to 100 percent promotes).",
    "modelci rollout step --env production",
    "advance",
    reason=True,
)
promote = _simple(
    "promote",
    "Promote: the canary takes all traffic, the old stable drains and stops.",
    'modelci rollout promote --env production --reason "all checks passed"',
    "promote",
    reason=True,
)
abort = _simple(
    "abort",
    "Roll back: the canary's weight goes to 0 at once, then the canary stops.",
    'modelci rollout abort --env production --reason "error rate rose"',
    "abort",
    reason=True,
)
stop = _simple(
    "stop",
    "Stop the router and the servers of a rollout (the end of a local trial).",
    "modelci rollout stop --env production",
    "stop",
    reason=False,
)


def _show(outcome: Any, output_format: str) -> None:
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "action": outcome.action,
                    "message": outcome.message,
                    "seconds": outcome.seconds,
                    "state": outcome.state.to_json(),
                },
                indent=2,
            )
        )
        return
    click.echo(outcome.message[:1].upper() + outcome.message[1:] + ".")
    if outcome.seconds is not None:
        click.echo(f"Weights changed in {outcome.seconds * 1000:.0f} ms.")
