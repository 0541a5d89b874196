"""Behaviour checks of the trained model: invariance, directional expectations and
minimum-functionality cases, run against the model as trained (hash-verified before loading).

    result = run_behaviour(config.section.behaviour, root, threshold=0.5)
    [check.name for check in result.failed], result.to_dict()

Importing this package is cheap; numpy, pandas and the model load when the checks run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelci.behaviour.results import BehaviourResult, CheckResult, Example

if TYPE_CHECKING:
    from modelci.behaviour.run import require_model_extra, run_behaviour

__all__ = ["BehaviourResult", "CheckResult", "Example", "require_model_extra", "run_behaviour"]


def __getattr__(name: str) -> Any:
    if name in ("require_model_extra", "run_behaviour"):
        from modelci.behaviour import run

        return getattr(run, name)
    raise AttributeError(f"module 'modelci.behaviour' has no attribute {name!r}")
