"""Data validation: Pandera schemas against CSV and Parquet files, with reports.

    schema = load_schema("schemas/transactions.yaml", base_dir=repo_root)
    result = validate_file(repo_root / "data/transactions.csv", schema, name="transactions")
    print(render_text([result]))

Importing this package is cheap: pandas, pyarrow and pandera are imported when a schema is loaded
or a file validated, not before.
"""

from __future__ import annotations

from modelci.validation._cache import CACHE_DIR, validate_cached, validate_files_cached
from modelci.validation._render import render_markdown, render_text, results_to_json
from modelci.validation._results import CheckFailure, FailureSample, ValidationResult
from modelci.validation._schema import YAML_SUFFIXES, load_schema, load_schema_text
from modelci.validation._validate import validate_file, validate_files

__all__ = [
    "CACHE_DIR",
    "YAML_SUFFIXES",
    "CheckFailure",
    "FailureSample",
    "ValidationResult",
    "load_schema",
    "load_schema_text",
    "render_markdown",
    "render_text",
    "results_to_json",
    "validate_cached",
    "validate_file",
    "validate_files",
    "validate_files_cached",
]
