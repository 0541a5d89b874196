"""report.json: a stable, documented schema (README, "report.json"). Bump SCHEMA_VERSION on any
change that removes or retypes a key; adding keys is compatible."""

from __future__ import annotations

from typing import Any

from modelci import __version__
from modelci.report.model import Report

SCHEMA_VERSION = 1


def report_to_dict(report: Report) -> dict[str, Any]:
    return {
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
    }
