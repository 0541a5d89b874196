"""Prometheus metrics of the model server, every series labelled with the model's name and version
so a canary analysis can compare two versions side by side (README, "Serving: metrics").

    modelci_requests_total{model,version,endpoint,code}          requests answered, by status code
    modelci_request_errors_total{model,version,endpoint,error}   4xx/5xx answers, by error class
    modelci_request_duration_seconds{model,version,endpoint}     latency histogram (whole request)
    modelci_prediction_score{model,version}                      histogram of predicted scores
    modelci_predicted_class_total{model,version,class}           rows by decided class
    modelci_batch_rows{model,version}                            rows per predict call
    modelci_predict_duration_seconds{model,version}              time of one batch's predict call
    modelci_model_info{model,version,sha256}                     1 for the model being served

`endpoint` is one of a fixed set (infer, predict, metadata, health, metrics, other), never a raw
path, so a client cannot grow the number of series. With several workers, each process writes
its samples to PROMETHEUS_MULTIPROC_DIR and /metrics aggregates them (prometheus-client's
multiprocess mode).
"""

from __future__ import annotations

import os

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
ENDPOINTS = ("infer", "predict", "metadata", "health", "metrics", "other")
ERROR_CLASSES = (
    "bad_request",  # 400: malformed JSON or tensors
    "schema",  # 422: a value breaks the training schema
    "not_found",  # 404: no such model, version or path
    "method_not_allowed",  # 405
    "payload_too_large",  # 413
    "internal",  # 500: a bug; never a client's fault
)
LATENCY_BUCKETS = (
    0.001, 0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.030, 0.050,
    0.075, 0.100, 0.150, 0.250, 0.500, 1.0, 2.5,
)  # fmt: skip
SCORE_BUCKETS = (*(round(0.05 * i, 2) for i in range(1, 20)), 0.99, 1.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class ServerMetrics:
    """The server's metric families, bound to one model name and version."""

    def __init__(self, model: str, version: str, sha256: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        if self.multiprocess:
            # prometheus-client picks file-backed values when it is first imported; a worker
            # forked from a process that imported it earlier must pick them again.
            from prometheus_client import values

            values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]  # untyped upstream
        labels = ("model", "version")
        reg = self.registry
        self.requests = Counter(
            "modelci_requests", "Requests answered, by endpoint and HTTP status code.",
            (*labels, "endpoint", "code"), registry=reg,
        )  # fmt: skip
        self.errors = Counter(
            "modelci_request_errors", "Requests answered with an error, by error class.",
            (*labels, "endpoint", "error"), registry=reg,
        )  # fmt: skip
        self.latency = Histogram(
            "modelci_request_duration_seconds",
            "Time from a request's arrival to its response, in seconds.",
            (*labels, "endpoint"), buckets=LATENCY_BUCKETS, registry=reg,
        )  # fmt: skip
        self.scores = Histogram(
            "modelci_prediction_score", "Predicted scores (probability of the positive class).",
            labels, buckets=SCORE_BUCKETS, registry=reg,
        )  # fmt: skip
        self.classes = Counter(
            "modelci_predicted_class", "Predicted rows by decided class.",
            (*labels, "class"), registry=reg,
        )  # fmt: skip
        self.batch_rows = Histogram(
            "modelci_batch_rows", "Rows per predict call (adaptive batching).",
            labels, buckets=BATCH_BUCKETS, registry=reg,
        )  # fmt: skip
        self.predict_seconds = Histogram(
            "modelci_predict_duration_seconds", "Time of one predict call, in seconds.",
            labels, buckets=LATENCY_BUCKETS, registry=reg,
        )  # fmt: skip
        info = Gauge(
            "modelci_model_info", "The model being served (value 1).",
            (*labels, "sha256"), registry=reg, multiprocess_mode="max",
        )  # fmt: skip
        info.labels(model, version, sha256).set(1)
        self._labels = (model, version)
        self._scores = self.scores.labels(*self._labels)
        self._batch_rows = self.batch_rows.labels(*self._labels)
        self._predict_seconds = self.predict_seconds.labels(*self._labels)
        self._latency = {e: self.latency.labels(*self._labels, e) for e in ENDPOINTS}

    def observe_request(self, endpoint: str, code: int, seconds: float, error: str | None) -> None:
        self.requests.labels(*self._labels, endpoint, str(code)).inc()
        self._latency[endpoint].observe(seconds)
        if error is not None:
            self.errors.labels(*self._labels, endpoint, error).inc()

    def observe_predictions(self, scores: np.ndarray, classes: np.ndarray) -> None:
        for score in scores.tolist():
            self._scores.observe(score)
        values, counts = np.unique(classes, return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            self.classes.labels(*self._labels, str(value)).inc(count)

    def observe_batch(self, rows: int, seconds: float) -> None:
        self._batch_rows.observe(rows)
        self._predict_seconds.observe(seconds)

    def exposition(self) -> bytes:
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
            return generate_latest(registry)
        return generate_latest(self.registry)
