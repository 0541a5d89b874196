"""A gate's rule on one metric, and the field types every part of the `modelci:` section shares
(tolerances, finite numbers, non-empty names): the ground the other configuration models stand on.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

Direction = Literal["higher", "lower"]
RegressionMode = Literal["point", "significant"]
_TOLERANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


@dataclass(frozen=True)
class Tolerance:
    """How much a metric may worsen against the base: absolute units, or percent of the base."""

    amount: float
    relative: bool = False

    def allowed(self, base: float) -> float:
        return abs(base) * self.amount / 100 if self.relative else self.amount

    def __str__(self) -> str:
        return f"{self.amount:g}%" if self.relative else f"{self.amount:g}"


def _tolerance(value: Any) -> Tolerance:
    if isinstance(value, Tolerance):
        return value
    if isinstance(value, str):
        match = _TOLERANCE.match(value)
        if not match:
            raise ValueError(f'expected a number or a percentage like "2%", got {value!r}')
        return Tolerance(float(match.group(1)), relative=True)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f'expected a number or a percentage like "2%", got {value!r}')
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    if value < 0:
        raise ValueError(f"must not be negative, got {value:g}")
    return Tolerance(float(value))


ToleranceField = Annotated[
    Tolerance,
    PlainValidator(_tolerance),
    PlainSerializer(str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"},
            ],
            "description": 'absolute units (0.02) or a share of the base value ("2%")',
        }
    ),
]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
NonEmpty = Annotated[str, Field(min_length=1, pattern=r"\S")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class GateConfig(_Model):
    """A rule on one metric: an absolute threshold and/or no regression against the base."""

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["threshold"]}, {"required": ["max_regression"]}]}
    )

    metric: NonEmpty = Field(description="`key` (unique across metrics files) or `file:key`")
    threshold: FiniteFloat | None = Field(default=None, description="the bar the head must meet")
    direction: Direction = Field(default="higher", description="`higher` when bigger is better")
    max_regression: ToleranceField | None = Field(
        default=None, description="how much worse than the base is allowed"
    )
    regression: RegressionMode = Field(
        default="point",
        description="`point`: fail on the point drop; `significant`: only when the drop exceeds "
        "max_regression and its bootstrap interval excludes zero",
    )
    line: SkipJsonSchema[int | None] = Field(default=None, exclude=True)  # set by the loader

    @model_validator(mode="before")
    @classmethod
    def _line_is_not_a_key(cls, data: Any, info: ValidationInfo) -> Any:
        from_file = bool(info.context and info.context.get("from_file"))
        if from_file and isinstance(data, dict) and "line" in data:
            raise ValueError("unknown key `line`")
        return data

    @model_validator(mode="after")
    def _has_a_rule(self) -> GateConfig:
        if self.threshold is None and self.max_regression is None:
            raise ValueError(
                f"gate on `{self.metric}` has neither `threshold` nor `max_regression`; add "
                '`threshold: 0.9` (absolute bar) and/or `max_regression: 0.01` or `"2%"`'
            )
        if self.regression == "significant" and self.max_regression is None:
            raise ValueError("`regression: significant` needs a `max_regression` to test against")
        return self
