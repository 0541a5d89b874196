"""The `modelci:` section of params.yaml, declared once as pydantic models.

These models validate the section, publish its JSON Schema (docs/config.schema.json) and are what
the rest of modelci reads. New capabilities (registry, serving, rollout, drift) add sub-models here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from modelci.config.behaviour import BehaviourConfig
from modelci.config.drift import DriftConfig
from modelci.config.rollout import RolloutConfig
from modelci.config.tests import TestsConfig

Direction = Literal["higher", "lower"]
PlotKind = Literal["line", "confusion"]
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


class DatasetConfig(_Model):
    """A data file validated against a Pandera schema before the pipeline trains on it."""

    path: NonEmpty = Field(description="data file (CSV or Parquet), relative to the repository")
    schema_: NonEmpty = Field(
        alias="schema", description="Pandera YAML file or `module:attr` of a Python schema"
    )
    given_name: NonEmpty | None = Field(
        default=None, alias="name", description="shown in reports; default: the file's stem"
    )

    model_config = ConfigDict(populate_by_name=True)

    @property
    def name(self) -> str:
        return self.given_name or Path(self.path).stem

    @property
    def schema(self) -> str:  # type: ignore[override]  # the YAML key; BaseModel.schema is legacy
        return self.schema_


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


class PlotConfig(_Model):
    path: NonEmpty = Field(description="plot file written by the pipeline (JSON, CSV)")
    title: NonEmpty | None = Field(default=None, description="default: the path")
    kind: PlotKind = "line"
    x: NonEmpty | None = Field(default=None, description="x field (required for line plots)")
    y: NonEmpty | None = Field(default=None, description="y field (required for line plots)")

    @model_validator(mode="after")
    def _line_axes(self) -> PlotConfig:
        if self.kind == "line":
            missing = [axis for axis in ("x", "y") if getattr(self, axis) is None]
            if missing:
                raise ValueError(f"a line plot needs `{'` and `'.join(missing)}`")
        if self.title is None:
            object.__setattr__(self, "title", self.path)
        return self


class ReportConfig(_Model):
    title: NonEmpty = "Model report"
    max_samples: Annotated[int, Field(ge=0, strict=True)] = Field(
        default=5, description="failing sample rows shown per data check"
    )
    plots: tuple[PlotConfig, ...] = ()


class PredictionsConfig(_Model):
    """Per-row predictions the evaluate stage writes: the source of bootstrap intervals."""

    path: NonEmpty = Field(description="CSV or Parquet file, relative to the repository")
    id: NonEmpty = Field(default="row_id", description="column with a stable row id")
    label: NonEmpty = Field(default="label", description="column with the true class (0/1)")
    score: NonEmpty = Field(default="score", description="column with P(class 1)")
    threshold: Annotated[float, Field(gt=0, lt=1)] = Field(
        default=0.5, description="decision threshold for f1, precision, recall, accuracy"
    )


class IntervalsConfig(_Model):
    confidence: Annotated[float, Field(gt=0, lt=1)] = 0.95
    resamples: Annotated[int, Field(ge=100, le=100_000, strict=True)] = 2000
    seed: Annotated[int, Field(strict=True)] = 0


from modelci.config.slices import SlicesConfig  # noqa: E402  # it builds on the models above


class ModelciSection(_Model):
    """The `modelci:` section of params.yaml."""

    data: tuple[DatasetConfig, ...] = Field(default=(), description="data files to validate")
    gates: tuple[GateConfig, ...] = Field(default=(), description="metric gates")
    report: ReportConfig = Field(default_factory=ReportConfig)
    predictions: PredictionsConfig | None = None
    intervals: IntervalsConfig = Field(default_factory=IntervalsConfig)
    drift: DriftConfig | None = Field(default=None, description="`modelci drift` settings")
    test_data: NonEmpty | None = Field(
        default=None,
        description="the test split (CSV or Parquet); the `test_data` fixture of modelci.testing",
    )
    tests: TestsConfig | None = Field(
        default=None, description="the team's own test command, run inside the check"
    )
    slices: SlicesConfig | None = Field(
        default=None, description="metrics and gates per slice of the test data"
    )
    rollout: RolloutConfig = Field(
        default_factory=RolloutConfig, description="canary rollout: steps and analysis"
    )
    behaviour: BehaviourConfig | None = Field(
        default=None, description="behaviour checks of the trained model"
    )

    @field_validator("data", "gates", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return () if value is None else value
