"""Adapters for the outside systems modelci drives, each behind a small interface tests can swap:
git (revisions), DVC (repro, metrics, params), the GitHub REST API, the GitHub Actions runtime
(outputs, summary, annotations)."""
