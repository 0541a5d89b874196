"""Statistics on per-row predictions: bootstrap intervals for metrics and for their change.

bootstrap(head, base, metrics, ...)  percentile intervals, paired when both scored the same rows
read_predictions(data, path, ...)    a CSV or Parquet predictions file, checked
METRICS                              the metrics it can recompute, by name
"""

from modelci.stats._bootstrap import Estimates, MetricEstimate, bootstrap
from modelci.stats._metrics import METRICS
from modelci.stats._predictions import Predictions, pairing, read_predictions

__all__ = [
    "METRICS",
    "Estimates",
    "MetricEstimate",
    "Predictions",
    "bootstrap",
    "pairing",
    "read_predictions",
]
