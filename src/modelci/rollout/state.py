"""A rollout's persisted state: one JSON file per environment, written atomically, and a lock.

    <project>/.modelci/rollouts/<environment>/state.json   what runs, the steps, where it stands
    <project>/.modelci/rollouts/<environment>/lock         held while a command changes it
    <project>/.modelci/rollouts/<environment>/*.log        the router's and server processes' output

A command reads the state, acts, and writes the new state before it returns, holding the lock
throughout; so a crashed or re-run command finds the last completed action and resumes from it
(or has nothing to do), and two commands never act on one environment at once.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from modelci.errors import ConfigError, UsageError
from modelci.files import exclusive_lock, write_text_atomic

ROLLOUTS = Path(".modelci") / "rollouts"
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
FORMAT = 1


class Phase(StrEnum):
    RUNNING = "running"
    PROMOTED = "promoted"
    ROLLED_BACK = "rolled-back"
    STOPPED = "stopped"  # torn down (`modelci rollout stop`)


@dataclass(frozen=True)
class Server:
    """One model server of the rollout: its version, its command (a local process) or its
    image (a container through the Docker API) and, while it runs, where."""

    version: str
    command: tuple[str, ...]  # with `{port}` where the port goes; () for an image
    url: str | None = None
    pid: int | None = None
    started: float | None = None  # the process's start time, to tell a reused pid apart
    log: str | None = None
    image: str | None = None  # run as a container of this image instead of the command
    container: str | None = None  # the running container's id


@dataclass(frozen=True)
class Event:
    at: float
    action: str  # start, resume, step, promote, roll-back, stop
    canary_percent: int
    reason: str | None = None


@dataclass(frozen=True)
class RolloutState:
    environment: str
    stable: Server
    canary: Server
    steps: tuple[int, ...]
    step: int  # index into steps
    phase: Phase
    started_at: float
    health_path: str
    router: dict[str, Any] | None = None  # the router adapter's own record (to find it again)
    reason: str | None = None  # why it ended, for a promotion or a rollback
    events: tuple[Event, ...] = ()
    format: int = FORMAT

    @property
    def canary_percent(self) -> int:
        if self.phase is Phase.PROMOTED:
            return 100
        if self.phase in (Phase.ROLLED_BACK, Phase.STOPPED):
            return 0
        return self.steps[self.step]

    def with_event(self, action: str, why: str | None = None, **changes: Any) -> RolloutState:
        """This state with `changes` applied and the action recorded (with its reason)."""
        new = replace(self, **changes)
        event = Event(time.time(), action, new.canary_percent, why)
        return replace(new, events=(*self.events, event))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["phase"] = str(self.phase)
        data["canary_percent"] = self.canary_percent
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RolloutState:
        data = {k: v for k, v in data.items() if k != "canary_percent"}
        return cls(
            **{
                **data,
                "stable": _server(data["stable"]),
                "canary": _server(data["canary"]),
                "steps": tuple(data["steps"]),
                "phase": Phase(data["phase"]),
                "events": tuple(Event(**e) for e in data.get("events", ())),
            }
        )


def _server(data: dict[str, Any]) -> Server:
    return Server(**{**data, "command": tuple(data["command"])})


@dataclass(frozen=True)
class Store:
    """The rollouts of one project folder."""

    root: Path = field(default_factory=Path)

    def __post_init__(self) -> None:
        # Absolute: with the default `-C .` every path handed to Caddy (its configuration, its
        # log files, its XDG data folder) was relative, and Caddy exited 1 at start, silently.
        object.__setattr__(self, "root", self.root.absolute())

    def folder(self, environment: str) -> Path:
        if not _ENVIRONMENT.match(environment):
            raise UsageError(
                f"invalid environment name {environment!r}",
                hint="Use letters, digits, '.', '_' or '-' (at most 63), e.g. --env production.",
            )
        return self.root / ROLLOUTS / environment

    def path(self, environment: str) -> Path:
        return self.folder(environment) / "state.json"

    def load(self, environment: str) -> RolloutState | None:
        path = self.path(environment)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            state = RolloutState.from_json(json.loads(text))
        except (ValueError, TypeError, KeyError) as error:
            raise ConfigError(
                f"the rollout state is unreadable ({type(error).__name__}: {error})",
                file=str(path),
                hint="It is written only by modelci; if it was edited by hand, restore it, or "
                "stop the processes it names and delete the file.",
            ) from error
        if state.environment != environment:
            raise ConfigError(
                f"the rollout state names environment {state.environment!r}, not {environment!r}",
                file=str(path),
            )
        return state

    def save(self, state: RolloutState) -> None:
        write_text_atomic(
            self.path(state.environment), json.dumps(state.to_json(), indent=2) + "\n"
        )

    @contextlib.contextmanager
    def lock(self, environment: str) -> Iterator[None]:
        """Held while one command acts on `environment`; a second command is refused at once."""
        with exclusive_lock(
            self.folder(environment) / "lock",
            purpose=f"another rollout command for environment {environment!r}",
        ):
            yield
