"""How each model server of a rollout runs: `modelci serve --model-card CARD`, or a command of
the user's with `{port}` where the port goes; and the StartRequest made of the two."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from modelci.errors import UsageError
from modelci.rollout.local import StartRequest
from modelci.rollout.state import Server

ServerSpec = tuple[str, Path | None, str | None]  # version, --X-card, --X-command


def start_request(
    environment: str,
    steps: tuple[int, ...],
    health_path: str,
    ready_timeout: float,
    *,
    canary: ServerSpec,
    stable: ServerSpec,
) -> StartRequest:
    """The local target's StartRequest from each server's version and card or command."""
    return StartRequest(
        environment=environment,
        stable=Server(stable[0], server_command("stable", *stable[1:])),
        canary=Server(canary[0], server_command("canary", *canary[1:])),
        steps=steps,
        health_path=health_path,
        ready_timeout=ready_timeout,
    )


def server_command(role: str, card: Path | None, command: str | None) -> tuple[str, ...]:
    """The argv that runs the `role` server: exactly one of `card` and `command` is given."""
    if (card is None) == (command is None):
        raise UsageError(
            f"give the {role} either --{role}-card or --{role}-command (exactly one)",
            hint=f"--{role}-card CARD serves a registered model with `modelci serve`.",
        )
    if command is not None:
        return tuple(shlex.split(command))
    serve = (sys.executable, "-m", "modelci", "serve", "--host", "127.0.0.1", "--port", "{port}")
    return (*serve, "--model-card", str(Path(str(card)).resolve()))
