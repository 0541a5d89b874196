"""The model runtime: one predict call on a batch of checked columns.

Runs on the batcher's single worker thread. scikit-learn's OpenMP code is limited to one thread
there: on two shared cores its threads spin-wait for each other, and a 1-row predict of the
reference model took 85 ms on two threads against 6 ms on one (measured here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from modelci.serving.source import ServedModel


@dataclass(frozen=True)
class Predictions:
    scores: np.ndarray  # probability of the positive class, float64
    classes: np.ndarray  # the decided class per row


class Runtime:
    """Builds the frame the model's pipeline expects and calls predict_proba once per batch."""

    def __init__(self, served: ServedModel) -> None:
        self.served = served
        self.features = served.features
        classes = getattr(served.model, "classes_", None)
        self.classes = np.asarray(classes if classes is not None else [0, 1])

    def initialise_thread(self) -> None:
        """Called once on the predict thread: OpenMP's thread count is per calling thread."""
        from threadpoolctl import threadpool_limits

        self._limits = threadpool_limits(limits=1, user_api="openmp")

    def predict(self, arrays: Mapping[str, np.ndarray]) -> Predictions:
        import pandas as pd

        frame = pd.DataFrame({name: arrays[name] for name in self.features}, copy=False)
        proba = np.asarray(self.served.model.predict_proba(frame))
        if proba.shape[1] == 2:
            scores = proba[:, 1]
            decided = self.classes[(scores >= self.served.threshold).astype(np.intp)]
        else:  # multi-class: the score is the probability of the decided class
            best = proba.argmax(axis=1)
            scores = proba[np.arange(len(proba)), best]
            decided = self.classes[best]
        return Predictions(np.ascontiguousarray(scores, dtype=np.float64), decided)

    def warm_up(self) -> None:
        """One predict on a made-up valid-looking row, so the first request pays no import or
        first-call cost. Its result is thrown away."""
        row: dict[str, Any] = {}
        for column in self.served.schema.columns:
            row[column.name] = (
                np.array([column.allowed[0] if column.allowed else ""], dtype=object)
                if column.kind == "string"
                else np.zeros(1, dtype=np.int64 if column.kind == "integer" else np.float64)
            )
        self.predict(row)
