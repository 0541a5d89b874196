"""Adaptive batching: concurrent requests become one schema check and one predict call.

The reference model costs about the same per predict call for 1 row as for 100, so a server
that predicts each request alone serves at most ~160 single-row requests a second on one core.
Requests are queued; one worker takes everything queued (up to `max_batch_rows` rows) and
waits at most `max_wait` after the first for the requests already arriving (being read or
decoded) to join; with none on their way it predicts at once, so a lone request waits for
nothing. While a batch is being predicted the next one fills by itself. Like MLServer's adaptive
batcher (max batch size, max batch time) and Triton's dynamic batcher (max queue delay), but
the wait ends as soon as nothing more is coming or the batch is full.

The per-call costs (type and range checks, building the DataFrame) are paid once per batch. A
row that fails a check fails only its own request (a 422 naming its field and rule); the other
requests of the batch are predicted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from modelci.errors import RequestRejected
from modelci.serving.codec import Columns
from modelci.serving.runtime import Predictions, Runtime
from modelci.serving.schema import RowFailure


@dataclass
class _Pending:
    columns: Columns
    future: asyncio.Future[Predictions]
    queued_at: float = field(default_factory=time.perf_counter)


BatchObserver = Callable[[int, float], None]  # (rows, seconds in predict)


class Batcher:
    """Queue requests' rows; predict them in batches on one worker thread."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        max_batch_rows: int = 256,
        max_wait: float = 0.002,
        on_batch: BatchObserver | None = None,
    ) -> None:
        self.runtime = runtime
        self.max_batch_rows = max_batch_rows
        self.max_wait = max_wait
        self.on_batch = on_batch
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="predict", initializer=runtime.initialise_thread
        )
        self._task: asyncio.Task[None] | None = None
        self._arriving = 0  # requests announced (being read or decoded) but not yet queued

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self.runtime.warm_up)
        self._task = asyncio.create_task(self._run(), name="batcher")

    async def stop(self) -> None:
        """Predict what is queued, then stop the worker (the server calls this once no request
        is in flight any more)."""
        while not self._queue.empty():
            await asyncio.sleep(0.001)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._executor.shutdown(wait=True)

    def announce(self) -> None:
        """A request that will soon be queued has arrived: a batch being collected waits for it
        (up to `max_wait`), while one with nothing announced goes to predict at once."""
        self._arriving += 1

    def withdraw(self) -> None:
        """An announced request will not come (it was refused before being queued)."""
        self._arriving -= 1

    async def predict(self, columns: Columns, *, announced: bool = False) -> Predictions:
        future: asyncio.Future[Predictions] = asyncio.get_running_loop().create_future()
        if announced:
            self._arriving -= 1
        self._queue.put_nowait(_Pending(columns, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._collect()
            started = time.perf_counter()
            try:
                results = await loop.run_in_executor(self._executor, self._predict_batch, batch)
            except Exception as error:  # a bug in the model or here: every request learns it
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(error)
                continue
            rows = 0
            for pending, result in zip(batch, results, strict=True):
                if pending.future.done():  # the client went away
                    continue
                if isinstance(result, BaseException):
                    pending.future.set_exception(result)
                else:
                    rows += len(result.scores)
                    pending.future.set_result(result)
            if self.on_batch is not None and rows:
                self.on_batch(rows, time.perf_counter() - started)

    async def _collect(self) -> list[_Pending]:
        first = await self._queue.get()
        batch, rows = [first], first.columns.rows
        deadline = first.queued_at + self.max_wait
        while rows < self.max_batch_rows:
            if self._queue.empty():
                remaining = deadline - time.perf_counter()
                if remaining <= 0 or self._arriving <= 0:  # nothing more is on its way
                    break
                try:
                    pending = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            else:
                pending = self._queue.get_nowait()
            if rows + pending.columns.rows > self.max_batch_rows and rows:
                self._requeue_front(pending)
                break
            batch.append(pending)
            rows += pending.columns.rows
        return batch

    def _requeue_front(self, pending: _Pending) -> None:
        # asyncio.Queue has no push-front; the overflowing request leads the next batch.
        rest = [pending]
        while not self._queue.empty():
            rest.append(self._queue.get_nowait())
        for item in rest:
            self._queue.put_nowait(item)

    def _predict_batch(self, batch: list[_Pending]) -> list[Predictions | RequestRejected]:
        """On the worker thread: check every row of the batch once, predict the good requests."""
        names = self.runtime.features
        if len(batch) == 1:
            values = batch[0].columns.values
        else:
            values = {name: [v for p in batch for v in p.columns.values[name]] for name in names}
        arrays, failures = self.runtime.served.schema.check_batch(values)
        offsets = np.cumsum([0] + [p.columns.rows for p in batch])
        rejected = _rejections(failures, offsets, values) if failures else {}
        keep = [i for i in range(len(batch)) if i not in rejected]
        if not keep:
            return [rejected[i] for i in range(len(batch))]
        if rejected:
            mask = np.zeros(int(offsets[-1]), dtype=bool)
            for i in keep:
                mask[offsets[i] : offsets[i + 1]] = True
            arrays = {name: array[mask] for name, array in arrays.items()}
        predicted = self.runtime.predict(arrays)
        results: list[Predictions | RequestRejected] = []
        start = 0
        for i in range(len(batch)):
            if i in rejected:
                results.append(rejected[i])
                continue
            end = start + batch[i].columns.rows
            results.append(Predictions(predicted.scores[start:end], predicted.classes[start:end]))
            start = end
        return results


def _rejections(
    failures: list[RowFailure], offsets: np.ndarray, values: dict[str, list[Any]]
) -> dict[int, RequestRejected]:
    """One 422 per request that owns a failing row, listing each (field, rule) it broke."""
    details: dict[int, list[dict[str, Any]]] = {}
    for failure in failures:
        owners = np.searchsorted(offsets, failure.rows, side="right") - 1
        for request in np.unique(owners):
            own = failure.rows[owners == request] - offsets[request]
            value = values[failure.field][int(offsets[request] + own[0])]
            details.setdefault(int(request), []).append(
                {
                    "field": failure.field,
                    "rule": failure.rule,
                    "message": f"`{failure.field}` {failure.message}",
                    "rows": own[:20].tolist(),
                    "value": value,
                }
            )
    rejected: dict[int, RequestRejected] = {}
    for request, listed in details.items():
        first = listed[0]
        more = f" (and {len(listed) - 1} more problem(s))" if len(listed) > 1 else ""
        rows = ", ".join(map(str, first["rows"]))
        message = (
            f"{first['message']} (rule `{first['rule']}`): row {rows} has {first['value']!r}{more}"
        )
        rejected[request] = RequestRejected(
            message, status=422, field=first["field"], rule=first["rule"], details=listed
        )
    return rejected
