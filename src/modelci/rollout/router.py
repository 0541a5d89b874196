"""The one interface a rollout needs from a router: set, read back, stop.

`modelci.adapters.caddy.CaddyRouter` implements it; weights are given in the order of the
router's upstreams, stable first, canary second.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Router(Protocol):
    def set_weights(self, weights: Sequence[int]) -> None:
        """Route every request accepted from now on by `weights`."""

    def weights(self) -> tuple[int, ...]:
        """The weights the router routes by now, as it reports them."""

    def stop(self, *, timeout: float = 10.0) -> None:
        """Stop routing; requests in flight finish first."""
