"""GitHub integration: the REST client, the sticky pull-request comment, the Actions runtime.

Names are loaded on first use so that importing `modelci.github.actions` (done by every
command inside a workflow) does not import requests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelci.github.client import GitHubClient
    from modelci.github.comments import CommentResult, upsert_sticky_comment

__all__ = ["CommentResult", "GitHubClient", "upsert_sticky_comment"]

_LAZY = {
    "GitHubClient": "modelci.github.client",
    "CommentResult": "modelci.github.comments",
    "upsert_sticky_comment": "modelci.github.comments",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
