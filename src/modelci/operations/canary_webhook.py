"""The canary analysis as an HTTP service, for Flagger's webhooks and Argo Rollouts' web metric.

    POST /flagger        Flagger `rollout` webhook: 200 when the step passed, 412 when it failed
                         (Flagger counts it as a failed check and rolls back at its threshold),
                         425 when inconclusive (too little traffic: the window stays open and
                         the next call analyses it longer; it never promotes).
    GET  /verdict?step=N Argo Rollouts web metric provider: always 200, the verdict as JSON
                         (`jsonPath: "{$.verdict}"`, `successCondition: result == "pass"`,
                         `failureCondition: result == "fail"`: anything else is inconclusive).
    GET  /healthz        200.

Each answer's body is the step's verdict as JSON (the same as `modelci rollout analyse
--format json`). A window runs from the previous decisive call (pass or fail) to this one. The
step is Flagger's `metadata.step` (canary weight percent); without it, the looks are counted.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from modelci.analysis import StepVerdict, Verdict, analyse, analysed_steps
from modelci.analysis.sources import MetricSource
from modelci.config.rollout import RolloutConfig
from modelci.errors import ModelciError, ServiceError

FLAGGER_STATUS = {
    Verdict.PASS: HTTPStatus.OK,
    Verdict.FAIL: HTTPStatus.PRECONDITION_FAILED,
    Verdict.INCONCLUSIVE: HTTPStatus.TOO_EARLY,
}
MAX_BODY = 64 * 1024


class CanaryJudge:
    """The windows between calls: one open window, one look per decisive verdict."""

    def __init__(self, source: MetricSource, config: RolloutConfig) -> None:
        self.source = source
        self.config = config
        self.steps = analysed_steps(config.steps)
        self.lock = threading.Lock()
        self.mark = source.mark()
        self.looks_done = 0

    def judge(self, step: int | None) -> StepVerdict:
        with self.lock:
            chosen = self.steps[min(self.looks_done, len(self.steps) - 1)] if step is None else step
            verdict = analyse(self.source.window(self.mark), chosen, self.config)
            if verdict.verdict is not Verdict.INCONCLUSIVE:
                self.mark = self.source.mark()
                self.looks_done += 1
            return verdict


def make_server(judge: CanaryJudge, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # the stdlib's name
            """Quiet: the caller logs verdicts."""

        def do_GET(self) -> None:  # the stdlib's name
            url = urlsplit(self.path)
            if url.path == "/healthz":
                self._send(HTTPStatus.OK, {"status": "ok"})
            elif url.path == "/verdict":
                step = parse_qs(url.query).get("step", [None])[0]
                self._judge(step, lambda _: HTTPStatus.OK)
            else:
                self._send(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint {url.path}"})

        def do_POST(self) -> None:  # the stdlib's name
            if urlsplit(self.path).path != "/flagger":
                self._send(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint {self.path}"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "payload too large"})
                return
            try:
                payload = json.loads(self.rfile.read(length) or b"{}")
                step = (payload.get("metadata") or {}).get("step")
            except (ValueError, AttributeError):
                self._send(HTTPStatus.BAD_REQUEST, {"error": "the payload is not a JSON object"})
                return
            self._judge(step, FLAGGER_STATUS.__getitem__)

        def _judge(self, step: object, status: Any) -> None:
            try:
                chosen = None if step in (None, "") else int(str(step))
                verdict = judge.judge(chosen)
            except ValueError:
                self._send(HTTPStatus.BAD_REQUEST, {"error": f"step {step!r} is not a number"})
                return
            except ModelciError as error:
                # A metric source that cannot be read is the service's trouble, not the caller's.
                code = (
                    HTTPStatus.SERVICE_UNAVAILABLE
                    if isinstance(error, ServiceError)
                    else HTTPStatus.BAD_REQUEST
                )
                self._send(code, {"error": error.message, "hint": error.hint})
                return
            self._send(status(verdict.verdict), verdict.to_json())

        def _send(self, status: HTTPStatus, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return ThreadingHTTPServer((host, port), Handler)
