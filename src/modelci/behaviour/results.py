"""What the behaviour checks found, as plain data (report.json's `behaviour` key)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from modelci.escape import plural

CheckKind = Literal["invariance", "directional", "cases"]


@dataclass(frozen=True)
class Example:
    """One row that broke its check: which row, what changed, and its score before and after.

    For a minimum-functionality case nothing is changed: `before` is None, `after` is the score
    and `expected` the label the case expects."""

    row: Any  # the row id (the configured id column), else the row's position in the file
    change: str  # `velocity_1h 3 → 5`; for a case, the label it expects
    before: float | None
    after: float
    expected: int | None = None

    @property
    def moved(self) -> float | None:
        return None if self.before is None else self.after - self.before

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Example:
        return cls(
            row=data["row"],
            change=data["change"],
            before=data["score_before"],
            after=data["score_after"],
            expected=data["expected"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": _plain(self.row),
            "change": self.change,
            "score_before": self.before,
            "score_after": self.after,
            "expected": self.expected,
        }


@dataclass(frozen=True)
class CheckResult:
    kind: CheckKind
    name: str
    rule: str  # what must hold, in words: `|Δ score| ≤ 0.05`
    rows: int  # rows the check scored
    failures: int  # rows that broke the rule
    worst: float | None  # invariance: the largest |Δ|; directional: the largest wrong-way move
    examples: tuple[Example, ...] = ()  # the worst failing rows first, capped
    note: str | None = None  # e.g. why fewer rows were checked than asked for

    @property
    def passed(self) -> bool:
        # A check that scored no row proved nothing: it fails, with its note saying why.
        return self.failures == 0 and self.rows > 0

    @property
    def reason(self) -> str:
        """Why the check failed, in one line (the verdict's words)."""
        if self.rows == 0:
            return f"{self.name}: {self.note or 'no row was tested'}"
        counted = f"{self.failures:,} of {self.rows:,}"
        worst = f"{self.worst:.3g}" if self.worst is not None else "?"
        if self.kind == "invariance":
            return f"{self.name}: {counted} scores moved more than allowed (up to {worst})"
        if self.kind == "directional":
            return f"{self.name}: {counted} scores moved the wrong way (by up to {worst})"
        return f"{self.name}: {counted} cases misclassified"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            kind=data["kind"],
            name=data["name"],
            rule=data["rule"],
            rows=data["rows"],
            failures=data["failures"],
            worst=data["worst"],
            note=data["note"],
            examples=tuple(Example.from_dict(example) for example in data["examples"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "rule": self.rule,
            "passed": self.passed,
            "rows": self.rows,
            "failures": self.failures,
            "worst": self.worst,
            "examples": [example.to_dict() for example in self.examples],
            "note": self.note,
        }


@dataclass(frozen=True)
class BehaviourResult:
    model: str  # the model file the checks loaded (hash-verified)
    data: str | None  # the rows the invariance and directional checks changed
    checks: tuple[CheckResult, ...] = ()
    sample: int | None = None  # rows drawn per check (None: every row)
    seed: int = 0
    threshold: float = 0.5  # decision threshold for the cases
    warnings: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.passed]

    @property
    def summary(self) -> str:
        """`3 behaviour checks`, or `1 of 3 behaviour checks failed: <why>`."""
        checks = plural(len(self.checks), "behaviour check")
        if not self.failed:
            return checks
        reasons = "; ".join(check.reason for check in self.failed)
        return f"{len(self.failed)} of {checks} failed: {reasons}"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BehaviourResult:
        """What `to_dict` wrote (a remembered result); warnings are not part of it."""
        return cls(
            model=data["model"],
            data=data["data"],
            sample=data["sample"],
            seed=data["seed"],
            threshold=data["threshold"],
            checks=tuple(CheckResult.from_dict(check) for check in data["checks"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "data": self.data,
            "sample": self.sample,
            "seed": self.seed,
            "threshold": self.threshold,
            "passed": not self.failed,
            "checks": [check.to_dict() for check in self.checks],
        }


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value JSON can hold."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
