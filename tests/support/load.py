"""A bounded HTTP load generator: threads posting to a URL, every answer recorded.

Each answer records when it came, its status and which upstream answered (the router's
`Modelci-Upstream` header). A request whose connection was closed before any response byte
came back (an idle keep-alive connection the proxy closed on a reload) is sent once more, as
HTTP/1.1 allows for an idempotent request, and counted in `resent`; any other error, a second
such close or a non-200 answer is a failure.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType

import requests

UPSTREAM_HEADER = "Modelci-Upstream"


@dataclass(frozen=True)
class Answer:
    at: float  # time.perf_counter() when the answer came
    sent: float
    status: int
    upstream: str  # host:port of the upstream that answered


@dataclass
class Load:
    url: str
    threads: int = 8
    body: bytes = b'{"inputs": []}'
    bodies: Sequence[bytes] = ()  # when given, each request sends the next one, in a cycle
    answers: list[Answer] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    resent: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: Iterator[bytes] | None = None

    def __enter__(self) -> Load:
        for _ in range(self.threads):
            worker = threading.Thread(target=self._run, daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

    def _body(self) -> bytes:
        if not self.bodies:
            return self.body
        with self._lock:
            if self._next is None:
                self._next = itertools.cycle(self.bodies)
            return next(self._next)

    def _run(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            body = self._body()
            sent = time.perf_counter()
            for attempt in (1, 2):
                try:
                    answer = session.post(self.url, data=body, timeout=10)
                except requests.ConnectionError as error:
                    if attempt == 1 and _closed_before_answer(error):
                        with self._lock:
                            self.resent += 1
                        continue
                    with self._lock:
                        self.failures.append(f"{type(error).__name__}: {error}")
                    break
                record = Answer(
                    time.perf_counter(), sent, answer.status_code,
                    answer.headers.get(UPSTREAM_HEADER, ""),
                )  # fmt: skip
                with self._lock:
                    self.answers.append(record)
                    if answer.status_code != 200:
                        self.failures.append(f"HTTP {answer.status_code}: {answer.text[:200]}")
                break

    def count(self, upstream: str, *, after: float = 0.0) -> int:
        return sum(1 for a in self.answers if a.upstream == upstream and a.sent >= after)


def _closed_before_answer(error: BaseException) -> bool:
    """The connection ended before the answer's status line ("Connection aborted.")."""
    seen: list[BaseException] = [error]
    while seen:
        current = seen.pop()
        if isinstance(current, http.client.RemoteDisconnected | ConnectionResetError):
            return True
        seen.extend(a for a in current.args if isinstance(a, BaseException))
        if current.__cause__ is not None:
            seen.append(current.__cause__)
    return False
