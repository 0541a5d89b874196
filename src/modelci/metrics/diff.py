"""Diff nested values (metrics or params) file by file between a base and a head revision."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["added", "removed", "modified", "unchanged"]
FileValues = Mapping[str, Mapping[str, Any]]  # file path -> nested values


def is_number(value: Any) -> bool:
    """A real number for diffing: bool is excluded (True - False is not a metric change)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}, "l": [1, 2]}` -> `{"a.b": 1, "l": [1, 2]}`; lists stay whole values."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat


@dataclass(frozen=True)
class Change:
    """One key of one file: its value on each side. `None` on a side means absent there."""

    file: str
    key: str
    base: Any
    head: Any
    in_base: bool
    in_head: bool

    @property
    def name(self) -> str:
        return f"{self.file}:{self.key}"

    @property
    def status(self) -> Status:
        if not self.in_base:
            return "added"
        if not self.in_head:
            return "removed"
        return "unchanged" if self.base == self.head else "modified"

    @property
    def delta(self) -> float | None:
        """head - base, when both are numbers."""
        if self.in_base and self.in_head and is_number(self.base) and is_number(self.head):
            return float(self.head) - float(self.base)
        return None

    @property
    def delta_percent(self) -> float | None:
        delta = self.delta
        if delta is None or self.base == 0:
            return None
        return 100 * delta / abs(float(self.base))

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "key": self.key,
            "base": self.base if self.in_base else None,
            "head": self.head if self.in_head else None,
            "status": self.status,
            "delta": self.delta,
            "delta_percent": self.delta_percent,
        }


def diff_files(
    base: FileValues | None, head: FileValues, *, ignore: tuple[str, ...] = ()
) -> list[Change]:
    """Every key of every file on either side, in file then key order.

    `base=None` means there is no base revision (first run): every key is "added".
    `ignore` drops top-level keys (modelci's own section of params.yaml is not a model param).
    """
    base = base or {}
    changes: list[Change] = []
    for file in sorted(set(base) | set(head)):
        old = _flat(base.get(file), ignore)
        new = _flat(head.get(file), ignore)
        for key in _ordered_union(new, old):
            changes.append(
                Change(
                    file=file,
                    key=key,
                    base=old.get(key),
                    head=new.get(key),
                    in_base=key in old,
                    in_head=key in new,
                )
            )
    return changes


def _flat(values: Mapping[str, Any] | None, ignore: tuple[str, ...]) -> dict[str, Any]:
    if not values:
        return {}
    return flatten({k: v for k, v in values.items() if k not in ignore})


def _ordered_union(first: Mapping[str, Any], second: Mapping[str, Any]) -> list[str]:
    """Keys in the head file's order (as the author wrote them), then keys only in the base."""
    return list(first) + [key for key in second if key not in first]
