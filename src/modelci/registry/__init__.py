"""The model registry on git tags, in GTO's grammar, and the model card each version carries.

    model = resolve_model(root)                       # from dvc.yaml `artifacts:`
    version = current(root, model.name, "production")
    card = read_card(root, version)                   # from the registration tag's message
    card = record_image(card, ref, digest)            # after packaging: a new card, then
    save_card(card, out_dir)                          # model-card.json and model-card.md

`operations` returns data and never prints; `card` declares the model card (pydantic, with its
JSON Schema: `python -m modelci.registry`); `lineage` builds a card from a commit and its check;
`markdown` renders one. Tags are read and written by GTO (`modelci.adapters.gto_registry`).
"""

from __future__ import annotations

from modelci.registry.card import (
    CARD_FILE,
    ModelCard,
    card_from_message,
    card_json,
    record_image,
)
from modelci.registry.markdown import render_card_markdown, save_card
from modelci.registry.operations import (
    Assigned,
    Registered,
    assign,
    current,
    find_version,
    history,
    read_card,
    register_version,
    resolve_model,
    show,
    versions,
)

__all__ = [
    "CARD_FILE",
    "Assigned",
    "ModelCard",
    "Registered",
    "assign",
    "card_from_message",
    "card_json",
    "current",
    "find_version",
    "history",
    "read_card",
    "record_image",
    "register_version",
    "render_card_markdown",
    "resolve_model",
    "save_card",
    "show",
    "versions",
]
