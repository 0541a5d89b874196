"""`python -m modelci.registry > docs/model-card.schema.json` regenerates the published schema."""

import sys

from modelci.registry.card import render_schema

sys.stdout.write(render_schema())
