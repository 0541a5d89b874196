"""Metrics per slice of the test set, with bootstrap intervals and gates of their own.

evaluate_slices(config, inputs, ...)   every slice's metrics, intervals and gate results
SliceInputs                           both sides' predictions and test data
SlicesResult, SliceResult, SliceMetric the results as plain data (slices.model: no numpy)

A headline F1 can hide a model that got better on average and worse for one merchant category:
each slice (a value of a categorical column, a bin of a numeric one) is scored and gated on its
own. Names load on first use, so the report can import the plain data without numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from modelci.slices.model import SliceMetric, SliceResult, SlicesResult

if TYPE_CHECKING:
    from modelci.slices._evaluate import SliceInputs, evaluate_slices

__all__ = ["SliceInputs", "SliceMetric", "SliceResult", "SlicesResult", "evaluate_slices"]


def __getattr__(name: str) -> Any:
    if name in ("SliceInputs", "evaluate_slices"):
        value = getattr(importlib.import_module("modelci.slices._evaluate"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
