"""`python -m modelci.config > docs/config.schema.json` regenerates the published schema."""

import sys

from modelci.config.schema import render_schema

sys.stdout.write(render_schema())
