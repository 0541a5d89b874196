"""The `modelci:` section of params.yaml, declared once as pydantic models.

These models validate the section, publish its JSON Schema (docs/config.schema.json) and are what
the rest of modelci reads. New capabilities (registry, serving, rollout, drift) add sub-models here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from modelci.config.behaviour import BehaviourConfig
from modelci.config.drift import DriftConfig
from modelci.config.gates import GateConfig, NonEmpty, _Model
from modelci.config.rollout import RolloutConfig
from modelci.config.slices import SlicesConfig
from modelci.config.tests import TestsConfig

PlotKind = Literal["line", "confusion"]


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
