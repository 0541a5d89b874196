"""The batcher: concurrent requests share predict calls, each gets its own rows' scores, and a bad
row fails only its own request."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from modelci.errors import RequestRejected
from modelci.serving.batching import Batcher
from modelci.serving.codec import Columns
from modelci.serving.runtime import Runtime
from modelci.serving.source import ServedModel
from tests.unit.serving.test_schema import COMPILED, FEATURES


def _runtime(model: Any) -> Runtime:
    return Runtime(ServedModel("m", "v1", model, "0" * 64, COMPILED))


def _columns(rows: pd.DataFrame) -> Columns:
    return Columns({name: rows[name].tolist() for name in FEATURES}, len(rows))


def test_concurrent_requests_share_calls_and_get_their_own_scores(
    model: Pipeline, frame: pd.DataFrame
) -> None:
    batches: list[int] = []

    async def run() -> list[np.ndarray]:
        batcher = Batcher(
            _runtime(model), max_wait=0.05, on_batch=lambda rows, _: batches.append(rows)
        )
        await batcher.start()
        for _ in range(12):
            batcher.announce()  # as the app does when a request starts arriving
        parts = [frame.iloc[i * 10 : i * 10 + 10] for i in range(12)]
        results = await asyncio.gather(
            *(batcher.predict(_columns(p), announced=True) for p in parts)
        )
        await batcher.stop()
        return [r.scores for r in results]

    scores = asyncio.run(run())
    np.testing.assert_array_equal(
        np.concatenate(scores), model.predict_proba(frame.iloc[:120])[:, 1]
    )
    assert sum(batches) == 120
    assert len(batches) < 12  # requests shared predict calls


def test_a_batch_never_exceeds_its_row_limit(model: Pipeline, frame: pd.DataFrame) -> None:
    batches: list[int] = []

    async def run() -> None:
        batcher = Batcher(_runtime(model), max_batch_rows=25, max_wait=0.05,
                          on_batch=lambda rows, _: batches.append(rows))  # fmt: skip
        await batcher.start()
        await asyncio.gather(
            *(batcher.predict(_columns(frame.iloc[i : i + 10])) for i in range(0, 100, 10))
        )
        await batcher.stop()

    asyncio.run(run())
    assert sum(batches) == 100 and max(batches) <= 25


def test_a_lone_request_does_not_wait_for_company(model: Pipeline, frame: pd.DataFrame) -> None:
    async def run() -> float:
        batcher = Batcher(_runtime(model), max_wait=2.0)  # a wait nobody should pay
        await batcher.start()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await batcher.predict(_columns(frame.iloc[:1]))
        elapsed = loop.time() - started
        await batcher.stop()
        return elapsed

    assert asyncio.run(run()) < 1.0


def test_a_bad_row_fails_its_own_request_only(model: Pipeline, frame: pd.DataFrame) -> None:
    async def run() -> list[Any]:
        batcher = Batcher(_runtime(model), max_wait=0.05)
        await batcher.start()
        for _ in range(3):
            batcher.announce()
        bad = _columns(frame.iloc[10:20])
        bad.values["hour"][4] = 30
        results = await asyncio.gather(
            batcher.predict(_columns(frame.iloc[:10]), announced=True),
            batcher.predict(bad, announced=True),
            batcher.predict(_columns(frame.iloc[20:30]), announced=True),
            return_exceptions=True,
        )
        await batcher.stop()
        return list(results)

    first, second, third = asyncio.run(run())
    assert isinstance(second, RequestRejected)
    assert (second.status, second.field, second.rule) == (422, "hour", "in_range[0, 23]")
    assert second.message == "`hour` must be in [0, 23] (rule `in_range[0, 23]`): row 4 has 30"
    np.testing.assert_array_equal(first.scores, model.predict_proba(frame.iloc[:10])[:, 1])
    np.testing.assert_array_equal(third.scores, model.predict_proba(frame.iloc[20:30])[:, 1])
