"""Canary rollouts: steps, persisted state, the router interface, and the local target."""
