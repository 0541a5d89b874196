"""Metrics and params: flatten nested files and diff them between two revisions."""

from modelci.metrics.diff import Change, diff_files

__all__ = ["Change", "diff_files"]
