"""Analysis rules: each takes a rule from the configuration and what was measured, and returns a
result with its reasons (gates now; canary and drift checks follow the same shape)."""

from modelci.rules.gates import GateResult, evaluate_gate, evaluate_gates

__all__ = ["GateResult", "evaluate_gate", "evaluate_gates"]
