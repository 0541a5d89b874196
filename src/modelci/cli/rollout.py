"""`modelci rollout`: the canary rollout's commands, each in its own module, registered here."""

from __future__ import annotations

import click


@click.group("rollout")
def rollout() -> None:
    """Canary rollouts: analyse a step of canary against stable.

    \b
    Example:
      modelci rollout analyse --step 10 \\
        --stable-url http://127.0.0.1:8081/metrics --canary-url http://127.0.0.1:8082/metrics
    """


def _register() -> None:
    from modelci.cli.rollout_analyse import analyse, webhook

    rollout.add_command(analyse)
    rollout.add_command(webhook)


_register()
