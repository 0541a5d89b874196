"""report.json: a stable, documented schema (README, "report.json"). Bump SCHEMA_VERSION on any
change that removes or retypes a key; adding keys is compatible."""

from __future__ import annotations

import math
from typing import Any

from modelci import __version__
from modelci.report.model import Report

SCHEMA_VERSION = 1


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as strict JSON data: a NaN or infinite number is null, listed in `non_finite`."""
    data = {
        "schema_version": SCHEMA_VERSION,
        "modelci_version": __version__,
        "title": report.title,
        "verdict": report.verdict.value,
        "exit_code": int(report.verdict.exit_code),
        "summary": report.summary,
        "base": report.base.to_dict() if report.base else None,
        "head": report.head.to_dict(),
        "validation": [result.to_dict() for result in report.validation],
        "pipeline": report.repro.to_dict() if report.repro else None,
        "gates": [gate.to_dict() for gate in report.gates],
        "metrics": [change.to_dict() for change in report.metrics],
        "params": [change.to_dict() for change in report.params if change.status != "unchanged"],
        "plots": [plot.to_dict() for plot in report.plots],
        "config_changed": report.config_changed,
        "warnings": list(report.warnings),
        "error": report.error,
        "intervals": [interval.to_dict() for interval in report.intervals],
        "baseline": report.baseline.to_dict() if report.baseline else None,
        "tests": report.tests.to_dict() if report.tests else None,
        "slices": report.slices.to_dict() if report.slices else None,
        "behaviour": report.behaviour.to_dict() if report.behaviour else None,
    }
    non_finite: list[dict[str, str]] = []
    strict: dict[str, Any] = _finite(data, "", non_finite)
    strict["non_finite"] = non_finite
    return strict


def _finite(value: Any, pointer: str, found: list[dict[str, str]]) -> Any:
    """`value` with every non-finite float replaced by None; each one noted in `found`."""
    if isinstance(value, float) and not math.isfinite(value):
        text = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        found.append({"path": pointer, "value": text})
        return None
    if isinstance(value, dict):
        return {k: _finite(v, f"{pointer}/{_token(k)}", found) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v, f"{pointer}/{i}", found) for i, v in enumerate(value)]
    return value


def _token(key: Any) -> str:
    # JSON Pointer (RFC 6901) escapes.
    return str(key).replace("~", "~0").replace("/", "~1")
