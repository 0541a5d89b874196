"""How each model server of a rollout runs: `modelci serve --model-card CARD`, a command of
the user's with `{port}` where the port goes, or a container of an image (which serves its own
card on port 8080); and the StartRequest made of the two."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from modelci.errors import UsageError
from modelci.rollout.local import StartRequest
from modelci.rollout.state import Server

# version, --X-card, --X-command, --X-image
ServerSpec = tuple[str, Path | None, str | None, str | None]


def start_request(
    environment: str,
    steps: tuple[int, ...],
    health_path: str,
    ready_timeout: float,
    *,
    canary: ServerSpec,
    stable: ServerSpec,
) -> StartRequest:
    """The local target's StartRequest from each server's version and card, command or image."""
    return StartRequest(
        environment=environment,
        stable=server("stable", *stable),
        canary=server("canary", *canary),
        steps=steps,
        health_path=health_path,
        ready_timeout=ready_timeout,
    )


def server(
    role: str, version: str, card: Path | None, command: str | None, image: str | None
) -> Server:
    """The `role` server: exactly one of `card`, `command` and `image` is given."""
    if sum(given is not None for given in (card, command, image)) != 1:
        raise UsageError(
            f"give the {role} one of --{role}-card, --{role}-command or --{role}-image "
            "(exactly one)",
            hint=f"--{role}-card CARD serves a registered model with `modelci serve`; "
            f"--{role}-image REF runs an image of `modelci image build` as a container.",
        )
    if image is not None:
        return Server(version, (), image=image)
    if command is not None:
        return Server(version, tuple(shlex.split(command)))
    serve = (sys.executable, "-m", "modelci", "serve", "--host", "127.0.0.1", "--port", "{port}")
    return Server(version, (*serve, "--model-card", str(Path(str(card)).resolve())))
