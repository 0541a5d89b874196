"""`modelci rollout run` as an operation: resolve the versions in the registry, serve each from
its card, drive the rollout to its end (`modelci.rollout.auto`), assign the stage on promotion.

    result = rollout_run(RunOptions(root, "production", "fraud-detector@v1.3.0"))
    result.ending, result.reasons, result.steps      # None: the canary already holds the stage

Nothing prints; `on_step` is called with each step as it is decided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci.analysis.sources import MetricSource
from modelci.config.load import load_config
from modelci.config.rollout import RolloutConfig
from modelci.errors import UsageError
from modelci.operations.canary import SourceSpec, make_source
from modelci.registry.operations import assign, current
from modelci.rollout import auto
from modelci.rollout.cards import serving_card
from modelci.rollout.local import DEFAULT_HEALTH_PATH
from modelci.rollout.servers import start_request
from modelci.rollout.state import RolloutState, Store
from modelci.rollout.steps import check_steps


@dataclass(frozen=True)
class RunOptions:
    root: Path  # the project: its registry (git tags), params file and .modelci/rollouts/
    environment: str
    canary: str  # NAME@VERSION
    stable: str | None = None  # NAME@VERSION; None: the version the registry has in the stage
    stage: str | None = None  # assigned on promotion; None: the environment's name
    canary_card: Path | None = None  # a card or a command overrides the registered card
    canary_command: str | None = None
    stable_card: Path | None = None
    stable_command: str | None = None
    canary_image: str | None = None  # run as a container of this image (Docker API)
    stable_image: str | None = None
    steps: tuple[int, ...] | None = None  # None: modelci.rollout.steps
    window_seconds: float | None = None  # None: modelci.rollout.window_seconds
    waits: int = 2
    prometheus_url: str | None = None  # None: scrape both servers' /metrics
    push: bool = False
    remote: str = "origin"
    health_path: str = DEFAULT_HEALTH_PATH
    ready_timeout: float = 60.0
    params_file: Path = Path("params.yaml")  # relative to root


def rollout_run(
    options: RunOptions, *, on_step: Callable[[auto.StepRecord], None] | None = None
) -> auto.RunResult | None:
    """Roll the canary out to its end; None when it already holds the stage (nothing to do)."""
    config = _config(options)
    stage = options.stage or options.environment
    name, _ = parse_version(options.canary)
    stable = options.stable or f"{name}@{current(options.root, name, stage).version}"
    if stable == options.canary:
        return None
    store = Store(options.root)
    canary_card = options.canary_card
    if _none(canary_card, options.canary_command, options.canary_image):
        canary_card = _registered_card(store, options.environment, options.canary)
    stable_card = options.stable_card
    if _none(stable_card, options.stable_command, options.stable_image):
        stable_card = _registered_card(store, options.environment, stable)
    request = start_request(
        options.environment, check_steps(options.steps or config.steps), options.health_path,
        options.ready_timeout,
        canary=(options.canary, canary_card, options.canary_command, options.canary_image),
        stable=(stable, stable_card, options.stable_command, options.stable_image),
    )  # fmt: skip

    def source_for(state: RolloutState) -> MetricSource:
        if options.prometheus_url:
            spec = SourceSpec(
                prometheus_url=options.prometheus_url, model=name,
                stable_version=parse_version(state.stable.version)[1],
                canary_version=parse_version(state.canary.version)[1],
            )  # fmt: skip
        else:
            spec = SourceSpec(
                stable_url=f"{state.stable.url}/metrics", canary_url=f"{state.canary.url}/metrics"
            )
        return make_source(spec, config)

    def on_promoted(state: RolloutState) -> dict[str, Any]:
        version = parse_version(state.canary.version)[1]
        return assign(
            options.root, name, version, stage, push=options.push, remote=options.remote
        ).to_dict()

    return auto.run(
        store, request, config, source_for=source_for, waits=options.waits,
        on_step=on_step, on_promoted=on_promoted,
    )  # fmt: skip


def parse_version(text: str) -> tuple[str, str]:
    """`fraud-detector@v1.3.0` -> (fraud-detector, v1.3.0)."""
    name, _, version = text.rpartition("@")
    if not name or not version:
        raise UsageError(
            f"`{text}` is not NAME@VERSION", hint="e.g. --canary fraud-detector@v1.3.0"
        )
    return name, version


def _config(options: RunOptions) -> RolloutConfig:
    params_file = options.params_file
    if not params_file.is_absolute():
        params_file = options.root / params_file
    config = RolloutConfig()
    if params_file.exists():
        config = load_config(params_file, require_section=False).section.rollout
    if options.window_seconds is not None:
        config = config.model_copy(update={"window_seconds": options.window_seconds})
    return config


def _none(*given: object) -> bool:
    return all(value is None for value in given)


def _registered_card(store: Store, environment: str, reference: str) -> Path:
    """A servable card of the registered version NAME@VERSION, in the rollout's folder."""
    name, version = parse_version(reference)
    folder = store.folder(environment) / "cards" / f"{name}@{version}"
    return serving_card(store.root, name, version, folder)
