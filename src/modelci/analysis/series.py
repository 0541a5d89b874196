"""The model server's Prometheus series the analysis reads, named in this one place.

They match `modelci serve`'s /metrics (modelci.serving.metrics): every series is labelled with
the model's `model` name and `version`, so stable and canary can be told apart in one Prometheus.

    modelci_requests_total{model,version,endpoint,code}       requests answered, by status code
    modelci_request_duration_seconds{model,version,endpoint}  latency histogram
    modelci_prediction_score{model,version}                   histogram of predicted scores
    modelci_predicted_class_total{model,version,class}        rows by decided class
"""

from __future__ import annotations

REQUESTS = "modelci_requests_total"
LATENCY = "modelci_request_duration_seconds"
SCORES = "modelci_prediction_score"
CLASSES = "modelci_predicted_class_total"

MODEL_LABEL = "model"
VERSION_LABEL = "version"
ENDPOINT_LABEL = "endpoint"
CODE_LABEL = "code"
CLASS_LABEL = "class"
BUCKET_LABEL = "le"

# Only prediction traffic is compared: health checks and scrapes of /metrics are not requests
# of the model.
PREDICTION_ENDPOINTS = ("infer", "predict")

# The server's buckets (the simulation records into the same ones).
LATENCY_BUCKETS = (
    0.001, 0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.030, 0.050,
    0.075, 0.100, 0.150, 0.250, 0.500, 1.0, 2.5,
)  # fmt: skip
SCORE_BUCKETS = (*(round(0.05 * i, 2) for i in range(1, 20)), 0.99, 1.0)


def status_matches(code: str, statuses: tuple[str, ...]) -> bool:
    """Whether an HTTP status code (`"503"`) is one of `statuses` (`"503"` or a class `"5xx"`)."""
    return any(
        code == status or (status.endswith("xx") and code[:1] == status[0] and len(code) == 3)
        for status in statuses
    )


def status_regex(statuses: tuple[str, ...]) -> str:
    """The same statuses as a PromQL label regex: `5..|429`."""
    return "|".join(status.replace("x", ".") for status in statuses)
