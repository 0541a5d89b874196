"""`modelci rollout`: the group. Its subcommands live in their own modules, loaded when used."""

from __future__ import annotations

import click

# subcommand -> (module, attribute); another module's command is one more line here
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "render": ("modelci.cli.rollout_render", "render"),
    "run": ("modelci.cli.rollout_run", "run"),
    "start": ("modelci.cli.rollout_local", "start"),
    "status": ("modelci.cli.rollout_local", "status"),
    "step": ("modelci.cli.rollout_local", "step"),
    "promote": ("modelci.cli.rollout_local", "promote"),
    "abort": ("modelci.cli.rollout_local", "abort"),
    "stop": ("modelci.cli.rollout_local", "stop"),
    "analyse": ("modelci.cli.rollout_analyse", "analyse"),
    "webhook": ("modelci.cli.rollout_analyse", "webhook"),
}


class _Lazy(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        from modelci.cli.main import load_command

        return load_command(*SUBCOMMANDS[cmd_name])


@click.group("rollout", cls=_Lazy)
def rollout() -> None:
    """Canary rollouts: on this host behind Caddy, or as Kubernetes manifests; analyse a step.

    \b
    Example, decided by the analysis step by step (exit 0 promoted, 10 rolled back, 11
    inconclusive):
      modelci rollout run --env production --canary fraud-detector@v1.4.0
    Example, on this host by hand (the canary takes 10, 25, 50, then 100 percent):
      modelci rollout start --env production --canary fraud-detector@v1.3.0 \\
        --canary-card cards/v1.3.0.json --stable fraud-detector@v1.2.0 \\
        --stable-card cards/v1.2.0.json
      modelci rollout status --env production
      modelci rollout abort --env production --reason "error rate rose"
    Example, one step's analysis (exit 0 go on, 1 stop):
      modelci rollout analyse --step 10 \\
        --stable-url http://127.0.0.1:8081/metrics --canary-url http://127.0.0.1:8082/metrics
    Example, for Kubernetes:
      modelci rollout render --target kubernetes --out deploy/ --name fraud-detector \\
        --image registry.example/acme/fraud-detector:v1.3.0 --digest sha256:...
    """
