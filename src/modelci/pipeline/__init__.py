"""Adapters for the systems a check drives: git (revisions) and DVC (repro, metrics, params)."""
