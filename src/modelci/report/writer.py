"""Write report.md and report.json atomically: a reader never sees a half-written report."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from modelci.report.json import report_to_dict
from modelci.report.markdown import render_markdown
from modelci.report.model import Report


@dataclass(frozen=True)
class WrittenReports:
    markdown: Path
    json: Path


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_reports(report: Report, output_dir: Path, *, max_samples: int = 5) -> WrittenReports:
    markdown = output_dir / "report.md"
    data = output_dir / "report.json"
    write_text_atomic(data, json.dumps(report_to_dict(report), indent=2, default=str) + "\n")
    write_text_atomic(markdown, render_markdown(report, max_samples=max_samples))
    return WrittenReports(markdown=markdown, json=data)
