"""`modelci: slices:` in params.yaml: metrics per slice of the test data, with their own gates.

    modelci:
      slices:
        data: data/test.parquet        # the test rows' columns (CSV or Parquet)
        id: transaction_id             # its row id: the predictions' `id` values
        columns:
          - merchant_category          # categorical: each value is a slice
          - column: amount
            bins: [10, 50, 200, 1000]  # numeric: edges (or a count: that many quantile bins)
        min_support: 30                # positives a slice needs to be gated
        gates:                         # as `modelci.gates`, in every slice with enough support
          - metric: recall
            threshold: 0.6
            max_regression: 0.15
            regression: significant

The metric names are declared here (configuration loads without numpy); a test keeps them in
step with modelci.stats.METRICS.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from modelci.config.gates import FiniteFloat, GateConfig, NonEmpty

SliceMetric = Literal["f1", "precision", "recall", "accuracy", "roc_auc", "average_precision"]
SLICE_METRICS: tuple[SliceMetric, ...] = get_args(SliceMetric)


class SliceColumn(BaseModel):
    """A column to slice on: each value is a slice, or each bin of a numeric column."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: NonEmpty = Field(description="a column of the test data")
    bins: tuple[FiniteFloat, ...] | Annotated[int, Field(ge=2, le=100)] | None = Field(
        default=None,
        description="numeric columns: ascending bin edges (values below the first or from "
        "the last on are slices of their own), or a count (2 to 100) of quantile bins of the "
        "head's data",
    )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # `columns:` items may be a bare column name (the loader turns it into `{column: name}`).
        return {"anyOf": [{"type": "string", "minLength": 1}, handler(core_schema)]}

    @field_validator("bins", mode="before")
    @classmethod
    def _edges_or_count(cls, bins: Any) -> Any:
        if isinstance(bins, bool) or not isinstance(bins, int | list | tuple | None):
            raise ValueError(f"expected a list of edges or a count of bins, got {bins!r}")
        if isinstance(bins, int) and not 2 <= bins <= 100:
            raise ValueError(f"a count of bins must be 2 to 100, got {bins}")
        if isinstance(bins, list | tuple):
            if not bins:
                raise ValueError("give at least one edge, or a count of bins")
            numbers = [b for b in bins if isinstance(b, int | float) and not isinstance(b, bool)]
            if not all(math.isfinite(b) for b in numbers):
                raise ValueError(f"edges must be finite numbers, got {list(bins)}")
            if len(numbers) == len(bins) and any(
                later <= earlier for earlier, later in itertools.pairwise(numbers)
            ):
                raise ValueError(f"edges must be strictly ascending, got {list(bins)}")
        return bins


class SliceGateConfig(GateConfig):
    """A gate applied in every slice with enough support (`min_support` positives)."""

    metric: SliceMetric = Field(  # narrower than a gate's: a metric recomputed per slice
        description="a metric recomputed per slice from the predictions"
    )


class SlicesConfig(BaseModel):
    """The `modelci.slices` section: which columns slice the test set, and the slice gates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data: NonEmpty = Field(
        description="test data file (CSV or Parquet) holding the columns and the row id"
    )
    id: NonEmpty | None = Field(
        default=None,
        description="the test data's row id column (default: `modelci.predictions.id`)",
    )
    columns: tuple[SliceColumn, ...] = Field(
        description="at least one: a column name, or `{column, bins}`",
        json_schema_extra={"minItems": 1},
    )
    metrics: tuple[SliceMetric, ...] = Field(
        default=SLICE_METRICS, min_length=1, description="metrics computed in every slice"
    )
    min_support: Annotated[int, Field(ge=1, strict=True)] = Field(
        default=30, description="positives (label 1) a slice needs on the head to be gated"
    )
    max_slices: Annotated[int, Field(ge=1, le=1000, strict=True)] = Field(
        default=100, description="most values a categorical column may have"
    )
    gates: tuple[SliceGateConfig, ...] = Field(default=(), description="gates in every slice")

    @field_validator("columns", mode="before")
    @classmethod
    def _names_are_columns(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [{"column": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("gates", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return () if value is None else value

    @model_validator(mode="after")
    def _distinct(self) -> SlicesConfig:
        if not self.columns:
            raise ValueError("`columns` is empty: name at least one column to slice on")
        names = [column.column for column in self.columns]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"column {', '.join(twice)} is sliced twice: list each column once")
        gated = [gate.metric for gate in self.gates]
        twice = sorted({name for name in gated if gated.count(name) > 1})
        if twice:
            raise ValueError(
                f"two slice gates on {', '.join(twice)}: one gate can hold a threshold and a "
                "max_regression"
            )
        return self

    @property
    def measured(self) -> tuple[str, ...]:
        """The metrics computed per slice: those asked for, then any a gate needs."""
        extra = [gate.metric for gate in self.gates if gate.metric not in self.metrics]
        return (*self.metrics, *dict.fromkeys(extra))
