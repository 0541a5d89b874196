"""Write report.md and report.json atomically, as a pair: a reader never sees a half-written
report, nor the two files of different runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci.files import write_files_atomic
from modelci.report.json import report_to_dict
from modelci.report.markdown import render_markdown
from modelci.report.model import Report


@dataclass(frozen=True)
class WrittenReports:
    markdown: Path
    json: Path
    markdown_text: str  # what was written, so callers print it without rendering it again
    data: dict[str, Any]


def write_reports(report: Report, output_dir: Path, *, max_samples: int = 5) -> WrittenReports:
    markdown = output_dir / "report.md"
    data_path = output_dir / "report.json"
    data = report_to_dict(report)
    text = render_markdown(report, max_samples=max_samples)
    # One switch for both: a reader never pairs the markdown of one run with the JSON of another.
    write_files_atomic(
        output_dir,
        {
            data_path.name: json.dumps(data, indent=2, default=str, allow_nan=False) + "\n",
            markdown.name: text,
        },
    )
    return WrittenReports(markdown=markdown, json=data_path, markdown_text=text, data=data)
