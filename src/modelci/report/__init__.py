"""The check's report: one data model, rendered as markdown (for people) and JSON (for tools)."""

from modelci.report.markdown import MAX_REPORT_CHARS, render_markdown
from modelci.report.model import PlotData, Report, Verdict
from modelci.report.writer import write_reports

__all__ = [
    "MAX_REPORT_CHARS",
    "PlotData",
    "Report",
    "Verdict",
    "render_markdown",
    "write_reports",
]
