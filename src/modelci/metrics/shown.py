"""A metric's value as every report shows it (the check's report, the model card's markdown)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelci.metrics.diff import is_number

Escape = Callable[[Any], str]  # how a value that is not a number is shown, e.g. escape.text


def number(x: Any, *, escape: Escape) -> str:
    if x is None:
        return "—"
    if is_number(x):
        return f"{x:.4g}" if isinstance(x, float) else str(x)
    return escape(x)
