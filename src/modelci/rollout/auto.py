"""An automatic rollout: start (or resume), then each step's window is analysed and acted on
until the canary is promoted or rolled back.

    result = run(store, request, config, source_for=..., on_promoted=...)
    result.outcome, result.reasons, result.steps

Each step is one look of the analysis (`modelci.analysis.live.analyse_step`): the window
stays open `window_seconds`, and while traffic is too thin it stays open longer, `waits` more
times. A step still inconclusive after that ends the rollout *inconclusive*: the canary's weight
goes to 0 (it is never promoted on too little evidence) and nothing is assigned. A metric source
that cannot be read (the canary stopped answering) rolls back too. On promotion `on_promoted`
runs, to put the canary's version in the registry stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from modelci.analysis import StepVerdict, Verdict
from modelci.analysis.live import analyse_step
from modelci.analysis.sources import MetricSource
from modelci.config.rollout import RolloutConfig
from modelci.errors import ServiceError
from modelci.rollout import local
from modelci.rollout.analysis import Decision, StepWindow
from modelci.rollout.state import Phase, RolloutState, Store


class Ending(StrEnum):
    PROMOTED = "promoted"
    ROLLED_BACK = "rolled-back"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class StepRecord:
    """One analysed step: the verdict (None when the metrics could not be read) and the act."""

    step: int  # index into the rollout's steps
    canary_percent: int
    decision: Decision
    action: str  # what the rollout did: step, promoted, rolled-back, unchanged
    message: str
    verdict: StepVerdict | None
    seconds: float | None  # until the router's weights took effect

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step + 1,
            "canary_percent": self.canary_percent,
            "decision": str(self.decision),
            "action": self.action,
            "message": self.message,
            "seconds": self.seconds,
            "verdict": self.verdict.to_json() if self.verdict is not None else None,
        }


@dataclass(frozen=True)
class RunResult:
    ending: Ending
    reasons: tuple[str, ...]
    state: RolloutState
    steps: tuple[StepRecord, ...]
    started: str  # what starting did: started, resumed, unchanged
    assigned: dict[str, Any] | None = None  # the registry assignment, on promotion

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.state.environment,
            "canary": self.state.canary.version,
            "stable": self.state.stable.version,
            "ending": str(self.ending),
            "reasons": list(self.reasons),
            "started": self.started,
            "assigned": self.assigned,
            "steps": [record.to_json() for record in self.steps],
            "state": self.state.to_json(),
        }


SourceFor = Callable[[RolloutState], MetricSource]


def run(
    store: Store,
    request: local.StartRequest,
    config: RolloutConfig,
    *,
    source_for: SourceFor,
    waits: int = 2,
    on_step: Callable[[StepRecord], None] | None = None,
    on_promoted: Callable[[RolloutState], dict[str, Any]] | None = None,
) -> RunResult:
    """Drive one rollout to its end: promoted, rolled back, or inconclusive (rolled back)."""
    started = local.start(store, request)
    environment = request.environment
    config = config.model_copy(update={"steps": started.state.steps})
    records: list[StepRecord] = []
    state = started.state
    while state.phase is Phase.RUNNING:
        record = _one_step(store, environment, config, source_for(state), waits)
        records.append(record)
        if on_step is not None:
            on_step(record)
        state = _load(store, environment, state)
        if record.decision is Decision.WAIT and state.phase is Phase.RUNNING:
            reason = "inconclusive: " + _reason(record)
            outcome = local.abort(store, environment, reason)
            state = outcome.state
    ending = _ending(state, records)
    assigned = on_promoted(state) if ending is Ending.PROMOTED and on_promoted else None
    return RunResult(
        ending=ending,
        reasons=_reasons(state, records),
        state=state,
        steps=tuple(records),
        started=started.action,
        assigned=assigned,
    )


def _one_step(
    store: Store, environment: str, config: RolloutConfig, source: MetricSource, waits: int
) -> StepRecord:
    state = _load(store, environment, None)
    verdicts: list[StepVerdict] = []

    def analyse(window: StepWindow) -> StepVerdict:
        verdict = analyse_step(source, window.canary_percent, config, waits=waits)
        verdicts.append(verdict)
        return verdict

    try:
        # The waiting happens inside the analysis (it opens the window, waits, waits longer on
        # thin traffic), so run_step itself waits nothing.
        decision, _, outcome = local.run_step(
            store, environment, analyse, window_seconds=0, sleep=lambda _: None
        )
    except ServiceError as error:
        outcome = local.abort(store, environment, f"the metrics could not be read: {error}")
        decision = Decision.ROLL_BACK
    return StepRecord(
        step=state.step,
        canary_percent=state.canary_percent,
        decision=decision,
        action=outcome.action,
        message=outcome.message,
        verdict=verdicts[-1] if verdicts else None,
        seconds=outcome.seconds,
    )


def _load(store: Store, environment: str, fallback: RolloutState | None) -> RolloutState:
    state = store.load(environment)
    if state is None:
        if fallback is None:
            raise AssertionError("a started rollout has a state")  # start always saves one
        return fallback
    return state


def _ending(state: RolloutState, records: list[StepRecord]) -> Ending:
    if state.phase is Phase.PROMOTED:
        return Ending.PROMOTED
    if records and records[-1].decision is Decision.WAIT:
        return Ending.INCONCLUSIVE
    return Ending.ROLLED_BACK


def _reason(record: StepRecord) -> str:
    if record.verdict is not None and record.verdict.reasons:
        return "; ".join(record.verdict.reasons)
    return record.message


def _reasons(state: RolloutState, records: list[StepRecord]) -> tuple[str, ...]:
    verdict = records[-1].verdict if records else None
    if verdict is not None and (
        verdict.verdict is not Verdict.PASS or state.phase is Phase.PROMOTED
    ):
        return verdict.reasons
    return (state.reason,) if state.reason else ()
