"""The ASGI application: Open Inference Protocol v2 routes, a plain JSON route, /metrics.

    GET  /v2/health/live                          200 while the process runs
    GET  /v2/health/ready                         200 once the model is loaded and warm, else 503
    GET  /v2                                      server metadata
    GET  /v2/models/{name}[/versions/{v}]         model metadata: every input with its datatype
    GET  /v2/models/{name}[/versions/{v}]/ready   the model's readiness
    POST /v2/models/{name}[/versions/{v}]/infer   OIP inference (named column tensors or one 2-D)
    POST /predict                                 JSON records in, scores and classes out
    GET  /metrics                                 Prometheus exposition

A bare ASGI callable rather than a framework: the routes are few and fixed, and per request it
costs a dictionary lookup instead of a router and middleware stack (README, "Serving: the ASGI
stack" has the measurement). Every answer carries X-Request-ID (the client's, or a new one) and
writes one JSON log line with it.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from modelci import __version__
from modelci.errors import RequestRejected
from modelci.serving import codec
from modelci.serving.batching import Batcher
from modelci.serving.codec import Columns
from modelci.serving.metrics import CONTENT_TYPE, ServerMetrics
from modelci.serving.runtime import Predictions, Runtime
from modelci.serving.schema import CompiledSchema
from modelci.serving.source import ServedModel

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("modelci.serve")
_MODEL_PATH = re.compile(r"^/v2/models/([^/]+)(?:/versions/([^/]+))?(/ready|/infer)?$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_JSON = [(b"content-type", b"application/json")]
_STATUS_ERRORS = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "schema",
    500: "internal",
}


@dataclass(frozen=True)
class Settings:
    max_body_bytes: int = 4 * 1024 * 1024
    max_batch_rows: int = 256
    max_wait_ms: float = 5.0


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]]
    rows: int = 0


class ServingApp:
    """One model, served over HTTP."""

    def __init__(self, served: ServedModel, settings: Settings | None = None) -> None:
        self.served = served
        self.settings = settings or Settings()
        self.runtime = Runtime(served)
        self.metrics = ServerMetrics(served.name, served.version, served.sha256)
        self.batcher = Batcher(
            self.runtime,
            max_batch_rows=self.settings.max_batch_rows,
            max_wait=self.settings.max_wait_ms / 1000,
            on_batch=self.metrics.observe_batch,
        )
        self.ready = False
        self._metadata = codec.dumps(self._model_metadata())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.batcher.start()
                except Exception as error:
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                self.ready = True
                log.info("ready", extra={"fields": {"event": "ready", "model": self.served.name,
                                                    "version": self.served.version}})  # fmt: skip
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                # The server has stopped accepting and waited for in-flight requests.
                self.ready = False
                await self.batcher.stop()
                log.info("stopped", extra={"fields": {"event": "stopped"}})
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = _request_id(scope)
        path: str = scope["path"]
        method: str = scope["method"]
        endpoint = _endpoint_of(path)
        try:
            answer = await self._route(method, path, scope, receive, request_id)
        except RequestRejected as rejected:
            answer = _rejection(rejected)
        except Exception:  # a bug: answer 500, log it with the request id, keep serving
            log.exception("internal error", extra={"fields": {"request_id": request_id}})
            answer = _Answer(500, codec.encode_error("internal server error"), list(_JSON))
        headers = [
            *answer.headers,
            (b"content-length", str(len(answer.body)).encode()),
            (b"x-request-id", request_id.encode()),
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})
        seconds = time.perf_counter() - started
        self.metrics.observe_request(
            endpoint, answer.status, seconds, _STATUS_ERRORS.get(answer.status)
        )
        log.info(
            "request",
            extra={
                "fields": {
                    "event": "request",
                    "request_id": request_id,
                    "method": method,
                    "path": path,
                    "status": answer.status,
                    "rows": answer.rows,
                    "duration_ms": round(seconds * 1000, 3),
                }
            },
        )

    async def _route(
        self, method: str, path: str, scope: Scope, receive: Receive, request_id: str
    ) -> _Answer:
        if path == "/predict":
            _allow(method, "POST")
            columns, predicted = await self._infer(scope, receive, codec.decode_records)
            body = codec.encode_records(
                self.served.name, self.served.version, request_id,
                predicted.scores, predicted.classes,
            )  # fmt: skip
            return _Answer(200, body, list(_JSON), columns.rows)
        if path.startswith("/v2/models/"):
            return await self._model_route(method, path, scope, receive, request_id)
        if path in ("/v2/health/live", "/v2/health/ready"):
            _allow(method, "GET")
            if path.endswith("live"):
                return _Answer(200, b'{"live":true}', list(_JSON))
            status = 200 if self.ready else 503
            return _Answer(status, codec.dumps({"ready": self.ready}), list(_JSON))
        if path == "/metrics":
            _allow(method, "GET")
            body = self.metrics.exposition()
            return _Answer(200, body, [(b"content-type", CONTENT_TYPE.encode())])
        if path in ("/v2", "/v2/"):
            _allow(method, "GET")
            body = codec.dumps({"name": "modelci", "version": __version__, "extensions": []})
            return _Answer(200, body, list(_JSON))
        raise RequestRejected(f"no route {path}", status=404)

    async def _model_route(
        self, method: str, path: str, scope: Scope, receive: Receive, request_id: str
    ) -> _Answer:
        match = _MODEL_PATH.match(path)
        if match is None:
            raise RequestRejected(f"no route {path}", status=404)
        name, version, action = match.groups()
        if name != self.served.name:
            raise RequestRejected(
                f"no model `{name}`; this server serves `{self.served.name}`", status=404
            )
        if version is not None and version != self.served.version:
            raise RequestRejected(
                f"model `{name}` has no version `{version}`; this server serves "
                f"`{self.served.version}`",
                status=404,
            )
        if action == "/infer":
            _allow(method, "POST")
            columns, predicted = await self._infer(scope, receive, codec.decode_oip)
            body = codec.encode_oip(
                self.served.name, self.served.version, columns.request_id or request_id,
                columns.outputs, predicted.scores, predicted.classes,
            )  # fmt: skip
            return _Answer(200, body, list(_JSON), columns.rows)
        _allow(method, "GET")
        if action == "/ready":
            body = codec.dumps({"name": name, "ready": self.ready})
            return _Answer(200 if self.ready else 503, body, list(_JSON))
        return _Answer(200, self._metadata, list(_JSON))

    async def _infer(
        self, scope: Scope, receive: Receive, decode: Callable[[Any, CompiledSchema], Columns]
    ) -> tuple[Columns, Predictions]:
        """Read, decode, batch and predict one request; count its predictions."""
        self.batcher.announce()
        try:
            payload = codec.parse_json(await self._body(scope, receive))
            columns = decode(payload, self.served.schema)
        except BaseException:
            self.batcher.withdraw()
            raise
        predicted = await self.batcher.predict(columns, announced=True)
        self.metrics.observe_predictions(predicted.scores, predicted.classes)
        return columns, predicted

    async def _body(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.settings.max_body_bytes
        for key, value in scope["headers"]:
            if key == b"content-length" and value.isdigit() and int(value) > limit:
                raise _too_large(int(value), limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise RequestRejected("the client went away", status=400, rule="disconnect")
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(size, limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _model_metadata(self) -> dict[str, Any]:
        served = self.served
        return {
            "name": served.name,
            "versions": [served.version],
            "platform": "sklearn",
            "inputs": [
                {
                    "name": column.name,
                    "datatype": column.datatype,
                    "shape": [-1, 1],
                    "parameters": {
                        "nullable": column.nullable,
                        "rules": [check.rule for check in column.checks],
                        **({"allowed": list(column.allowed)} if column.allowed else {}),
                    },
                }
                for column in served.schema.columns
            ],
            "outputs": [
                {"name": "score", "datatype": "FP64", "shape": [-1]},
                {"name": "class", "datatype": _class_datatype(self.runtime), "shape": [-1]},
            ],
            "parameters": {"sha256": served.sha256, "threshold": served.threshold},
        }


def _endpoint_of(path: str) -> str:
    """The metrics' `endpoint` label: one of a fixed set, whatever the path."""
    if path == "/predict":
        return "predict"
    if path.startswith("/v2/health/") or path.endswith("/ready"):
        return "health"
    if path.startswith("/v2/models/") and path.endswith("/infer"):
        return "infer"
    if path == "/metrics":
        return "metrics"
    return "metadata" if path.startswith("/v2") else "other"


def _class_datatype(runtime: Runtime) -> str:
    kind = runtime.classes.dtype.kind
    return "INT64" if kind in "iu" else "BOOL" if kind == "b" else "BYTES"


def _allow(method: str, allowed: str) -> None:
    if method != allowed and not (allowed == "GET" and method == "HEAD"):
        raise RequestRejected(f"{method} is not allowed here; use {allowed}", status=405)


def _too_large(size: int, limit: int) -> RequestRejected:
    return RequestRejected(
        f"the body is {size} bytes, over the limit of {limit} (--max-body-bytes): split the rows "
        "into several requests",
        status=413,
        rule="max_body_bytes",
    )


def _rejection(rejected: RequestRejected) -> _Answer:
    body = codec.encode_error(
        rejected.message,
        field=rejected.field,
        rule=rejected.rule,
        details=list(rejected.details) or None,
    )
    return _Answer(rejected.status, body, list(_JSON))


def _request_id(scope: Scope) -> str:
    """The client's X-Request-ID when it is a sane token, else a new one."""
    for key, value in scope["headers"]:
        if key == b"x-request-id":
            text: str = value.decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
            break
    return uuid.uuid4().hex
