"""The JSON Schema of params.yaml as modelci reads it, from the same models that validate it.

Checked in as docs/config.schema.json (a test keeps it in step); editors with the YAML language
server use it through `# yaml-language-server: $schema=...` at the top of params.yaml.
"""

from __future__ import annotations

import json
from typing import Any

from modelci.config.models import ModelciSection

SCHEMA_ID = "https://github.com/modelci/modelci/blob/main/docs/config.schema.json"


def params_json_schema() -> dict[str, Any]:
    """A whole params.yaml: any other top-level keys (the pipeline's params) plus `modelci:`."""
    section = ModelciSection.model_json_schema(by_alias=True)
    definitions = section.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "params.yaml with a modelci section",
        "type": "object",
        "properties": {"modelci": section},
        "required": ["modelci"],
        "additionalProperties": True,
        "$defs": definitions,
    }


def render_schema() -> str:
    return json.dumps(params_json_schema(), indent=2, sort_keys=True) + "\n"
