"""The `local` target: a rollout on one host, its model servers behind Caddy as local
processes or as containers through the Docker API (a server given an image).

Each operation takes the environment's lock, reads its state, acts, and saves the new state
before it returns. They are idempotent: a re-run of a completed action changes nothing, and a
`start` re-run after a crash (the state says running, a process is gone) brings the rollout back
up at the step it had reached. The processes and containers outlive the command that started
them; later commands find a process by its id and start time, a container by its id.

Rollback puts the canary's weight to 0 first (one admin call, effective for the next request),
then saves the state, then stops the canary gracefully; promotion does the same for the stable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from modelci.adapters import process
from modelci.adapters.caddy import CaddyRouter, Upstream
from modelci.adapters.process import ProcessRef
from modelci.errors import ModelciError, RolloutConflict, UsageError
from modelci.rollout import containers
from modelci.rollout import steps as steps_
from modelci.rollout.analysis import Analyse, AnalysisResult, Decision, StepWindow, decide
from modelci.rollout.router import Router
from modelci.rollout.state import Phase, RolloutState, Server, Store

if TYPE_CHECKING:
    from modelci.adapters.docker import Runner

DEFAULT_HEALTH_PATH = "/v2/health/ready"  # the Open Inference Protocol's readiness endpoint


@dataclass(frozen=True)
class StartRequest:
    environment: str
    stable: Server  # version and command (`{port}` is replaced by a free port) or image
    canary: Server
    steps: tuple[int, ...] = steps_.DEFAULT_STEPS
    health_path: str = DEFAULT_HEALTH_PATH
    ready_timeout: float = 60.0


@dataclass(frozen=True)
class Outcome:
    """What an operation did (`action`), in a sentence, and the state it left."""

    state: RolloutState
    action: str  # started, resumed, unchanged, step, promoted, rolled-back, stopped
    message: str
    seconds: float | None = None  # for a rollback or promotion: until the weights took effect


@dataclass(frozen=True)
class Status:
    state: RolloutState
    alive: dict[str, bool]  # router, stable, canary
    weights: tuple[int, ...] | None  # as the router reports them now (None: not running)


def start(store: Store, request: StartRequest) -> Outcome:
    """Bring up both servers and the router at the first step's weights (or resume)."""
    steps = steps_.check_steps(request.steps)
    with store.lock(request.environment):
        existing = store.load(request.environment)
        if existing is not None and existing.phase is Phase.RUNNING:
            if not _same_rollout(existing, request, steps):
                raise RolloutConflict(
                    f"a rollout already runs in environment {request.environment!r}: "
                    f"{_describe(existing)}",
                    running=existing.canary.version,
                    hint="Wait for it to finish, or end it with `modelci rollout promote` or "
                    f"`modelci rollout abort --env {request.environment}`.",
                )
            if all(_alive(existing).values()):
                return Outcome(existing, "unchanged", f"already running: {_describe(existing)}")
            _stop_all(existing)  # a part crashed: bring the whole rollout back up, same step
            state = _bring_up(store, request, steps, step=existing.step, previous=existing)
            return Outcome(state, "resumed", f"resumed after a crash: {_describe(state)}")
        state = _bring_up(store, request, steps, step=0, previous=None)
        return Outcome(state, "started", f"started: {_describe(state)}")


def status(store: Store, environment: str) -> Status:
    state = _require(store, environment)
    alive = _alive(state)
    weights = None
    if alive["router"] and state.router is not None:
        weights = _router(state).weights()
    return Status(state, alive, weights)


def advance(store: Store, environment: str, reason: str | None = None) -> Outcome:
    """Go to the next step; the step to 100 percent is the promotion."""
    with store.lock(environment):
        state = _running(store, environment, "move to the next step")
        if state.step + 1 >= len(state.steps) - 1:
            return _promote(store, state, reason or "the last step before 100 percent passed")
        begun = time.perf_counter()
        nxt = state.step + 1
        _router(state).set_weights(steps_.weights(state.steps[nxt]))
        seconds = time.perf_counter() - begun
        state = state.with_event("step", reason, step=nxt)
        store.save(state)
        return Outcome(state, "step", f"step {nxt + 1}: {_describe(state)}", seconds)


def promote(store: Store, environment: str, reason: str | None = None) -> Outcome:
    """The canary takes all traffic; the old stable drains and stops. Again: nothing to do."""
    with store.lock(environment):
        state = _require(store, environment)
        if state.phase is Phase.PROMOTED:
            return Outcome(state, "unchanged", f"already promoted: {_describe(state)}")
        state = _running(store, environment, "promote")
        return _promote(store, state, reason or "promoted by hand")


def abort(store: Store, environment: str, reason: str | None = None) -> Outcome:
    """Roll back: the canary's weight to 0 at once, then the canary stops. Again: nothing."""
    with store.lock(environment):
        state = _require(store, environment)
        if state.phase is Phase.ROLLED_BACK:
            return Outcome(state, "unchanged", f"already rolled back: {_describe(state)}")
        state = _running(store, environment, "roll back")
        reason = reason or "rolled back by hand"
        begun = time.perf_counter()
        _router(state).set_weights(steps_.weights(0))
        seconds = time.perf_counter() - begun
        state = state.with_event("roll-back", reason, phase=Phase.ROLLED_BACK, reason=reason)
        store.save(state)
        _stop_server(state.canary)
        state = replace(state, canary=_stopped(state.canary))
        store.save(state)
        return Outcome(state, "rolled-back", f"rolled back: {reason}", seconds)


def stop(store: Store, environment: str) -> Outcome:
    """Stop the router and every server of the environment (the end of a local trial)."""
    with store.lock(environment):
        state = _require(store, environment)
        if state.phase is Phase.STOPPED and not any(_alive(state).values()):
            return Outcome(state, "unchanged", "already stopped")
        _stop_all(state)
        state = state.with_event(
            "stop", None, phase=Phase.STOPPED, stable=_stopped(state.stable),
            canary=_stopped(state.canary),
        )  # fmt: skip
        store.save(state)
        return Outcome(state, "stopped", f"stopped the rollout in {environment!r}")


def run_step(
    store: Store,
    environment: str,
    analyse: Analyse,
    *,
    window_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Decision, AnalysisResult, Outcome]:
    """Wait one analysis window at the current step, analyse it, act on the verdict.

    The lock is not held while waiting, so a person can still abort meanwhile; a state that
    changed during the window (another step, or ended) is left alone."""
    state = _running(store, environment, "analyse a step")
    begun = time.time()
    sleep(window_seconds)
    window = StepWindow(
        environment=environment,
        step=state.step,
        canary_percent=state.canary_percent,
        started=begun,
        ended=time.time(),
        stable_url=state.stable.url or "",
        canary_url=state.canary.url or "",
        router_url=str((state.router or {}).get("url", "")),
    )
    result = analyse(window)
    decision = decide(str(result.verdict), step=state.step, steps=state.steps)
    reason = "; ".join(result.reasons) or str(result.verdict)
    now = store.load(environment)
    if now is None or now.phase is not Phase.RUNNING or now.step != state.step:
        return decision, result, Outcome(now or state, "unchanged", "changed meanwhile")
    if decision is Decision.ROLL_BACK:
        return decision, result, abort(store, environment, reason)
    if decision is Decision.PROMOTE:
        return decision, result, promote(store, environment, reason)
    if decision is Decision.CONTINUE:
        return decision, result, advance(store, environment, reason)
    return decision, result, Outcome(state, "unchanged", f"inconclusive, waiting: {reason}")


# --- helpers -------------------------------------------------------------------------------------


def _promote(store: Store, state: RolloutState, reason: str) -> Outcome:
    begun = time.perf_counter()
    _router(state).set_weights(steps_.weights(100))
    seconds = time.perf_counter() - begun
    state = state.with_event("promote", reason, phase=Phase.PROMOTED, reason=reason)
    store.save(state)
    _stop_server(state.stable)  # graceful: its requests in flight finish first
    state = replace(state, stable=_stopped(state.stable))
    store.save(state)
    return Outcome(state, "promoted", f"promoted {state.canary.version}: {reason}", seconds)


def _bring_up(
    store: Store,
    request: StartRequest,
    steps: tuple[int, ...],
    *,
    step: int,
    previous: RolloutState | None,
) -> RolloutState:
    folder = store.folder(request.environment)
    started: list[Server] = []
    try:
        for name, server in (("stable", request.stable), ("canary", request.canary)):
            started.append(_start_server(store, folder, name, server, request))
        stable, canary = started
        router = CaddyRouter.start(
            [Upstream("stable", str(stable.url)), Upstream("canary", str(canary.url))],
            steps_.weights(steps[step]),
            workdir=folder / "router",
            health_path=request.health_path,
            timeout=request.ready_timeout,
        )
    except BaseException:
        for server in started:
            _stop_server(server)
        raise
    if previous is None:
        state = RolloutState(
            environment=request.environment,
            stable=stable,
            canary=canary,
            steps=steps,
            step=step,
            phase=Phase.RUNNING,
            started_at=time.time(),
            health_path=request.health_path,
            router=router.to_json(),
        )
        state = state.with_event("start")
    else:
        state = previous.with_event(
            "resume", None, stable=stable, canary=canary, router=router.to_json()
        )
    store.save(state)
    return state


def _start_server(
    store: Store, folder: Path, name: str, server: Server, request: StartRequest
) -> Server:
    if server.image is not None:
        return containers.start(
            _engine(),
            server,
            labels=containers.labels(store.root, request.environment, name, server.version),
            ready_path=request.health_path,
            timeout=request.ready_timeout,
        )
    port = process.free_port()
    argv = [part.replace("{port}", str(port)) for part in server.command]
    url = f"http://127.0.0.1:{port}"
    log = folder / f"{name}.log"
    ref = process.start(
        argv,
        log=log,
        ready_url=url + request.health_path,
        what=f"the {name} server ({server.version})",
        cwd=store.root,
        timeout=request.ready_timeout,
    )
    return replace(server, url=url, pid=ref.pid, started=ref.started, log=str(log))


def _same_rollout(state: RolloutState, request: StartRequest, steps: tuple[int, ...]) -> bool:
    def key(server: Server) -> tuple[str, tuple[str, ...], str | None]:
        return server.version, server.command, server.image

    return (key(state.stable), key(state.canary), state.steps) == (
        key(request.stable),
        key(request.canary),
        steps,
    )


def _describe(state: RolloutState) -> str:
    where = f"step {state.step + 1} of {len(state.steps)}" if state.phase is Phase.RUNNING else ""
    return (
        f"canary {state.canary.version} against stable {state.stable.version}, "
        f"{state.phase}{', ' + where if where else ''}, canary at {state.canary_percent}%"
    )


def _require(store: Store, environment: str) -> RolloutState:
    state = store.load(environment)
    if state is None:
        raise UsageError(
            f"no rollout in environment {environment!r} (no {store.path(environment)})",
            hint="Start one with `modelci rollout start`.",
        )
    return state


def _running(store: Store, environment: str, what: str) -> RolloutState:
    state = _require(store, environment)
    if state.phase is not Phase.RUNNING:
        raise UsageError(
            f"cannot {what}: the rollout in {environment!r} is {state.phase}"
            + (f" ({state.reason})" if state.reason else ""),
            hint="Start a new rollout with `modelci rollout start`.",
        )
    return state


def _router(state: RolloutState) -> Router:
    if state.router is None:
        raise ModelciError("the rollout state has no router")  # written with one, always
    return CaddyRouter.from_json(state.router)


def _ref(server: Server) -> ProcessRef | None:
    if server.pid is None or server.started is None:
        return None
    return ProcessRef(server.pid, server.started)


def _engine() -> Runner:
    """The container engine DOCKER_HOST names (asked only for servers given an image; the
    docker SDK is the `[docker]` extra)."""
    from modelci.adapters.docker import DockerEngine

    return DockerEngine()


def _server_alive(server: Server) -> bool:
    if server.container is not None:
        return containers.alive(_engine(), server)
    ref = _ref(server)
    return ref is not None and ref.alive()


def _alive(state: RolloutState) -> dict[str, bool]:
    router = None if state.router is None else CaddyRouter.from_json(state.router).process
    return {
        "router": router is not None and router.alive(),
        "stable": _server_alive(state.stable),
        "canary": _server_alive(state.canary),
    }


def _stop_server(server: Server) -> None:
    if server.container is not None:
        containers.stop(_engine(), server)
        return
    ref = _ref(server)
    if ref is not None:
        ref.stop()


def _stopped(server: Server) -> Server:
    return replace(server, pid=None, started=None, container=None)


def _stop_all(state: RolloutState) -> None:
    if state.router is not None:
        CaddyRouter.from_json(state.router).stop()
    _stop_server(state.canary)
    _stop_server(state.stable)
