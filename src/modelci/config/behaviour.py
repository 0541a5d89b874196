"""`modelci: behaviour:` in params.yaml: behaviour checks of the trained model.

    modelci:
      behaviour:
        data: data/test.parquet        # the rows the checks change (CSV or Parquet)
        id: transaction_id             # row id shown in the worst examples (default: row number)
        sample: 2000                   # rows drawn per check (null: every row)
        seed: 0
        invariance:                    # a change that must not matter
          - {column: amount, add: 0.01, epsilon: 0.05}
        directional:                   # a change that must move the score one way only
          - {column: velocity_1h, add: 2, direction: increase}
          - {column: country_mismatch, set: 1, direction: increase, tolerance: 0.001}
        cases:                         # minimum functionality: rows with expected labels
          - {path: tests/behaviour/cases.csv, label: is_fraud}

Each change is exactly one of `add`, `multiply` or `set`, on one column. The model is the one
the pipeline trained, found through its metadata (`model`, default models/model.json) and loaded
only after its SHA-256 matches.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

BehaviourDirection = Literal["increase", "decrease"]
_FINITE = Field(allow_inf_nan=False)
Scalar = Annotated[float, _FINITE] | int | str | bool


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Change(_Model):
    """One column changed in every row: exactly one of `add`, `multiply` or `set`."""

    column: str = Field(min_length=1, description="the feature column to change")
    add: Annotated[float, _FINITE] | None = Field(default=None, description="added to the value")
    multiply: Annotated[float, _FINITE] | None = Field(
        default=None, description="the value is multiplied by this"
    )
    set: Scalar | None = Field(default=None, description="the value is replaced by this")
    sample: Annotated[int, Field(gt=0, strict=True)] | None = Field(
        default=None, description="rows drawn for this check; default: behaviour.sample"
    )

    @model_validator(mode="after")
    def _one_change(self) -> Change:
        given = [key for key in ("add", "multiply", "set") if getattr(self, key) is not None]
        if len(given) != 1:
            found = f"got {', '.join(f'`{key}`' for key in given)}" if given else "got none"
            raise ValueError(f"give exactly one of `add`, `multiply` or `set` ({found})")
        return self

    @property
    def describe(self) -> str:
        """`amount + 0.01`, `velocity_1h * 2`, `country_mismatch = 1`."""
        if self.add is not None:
            return f"{self.column} {'-' if self.add < 0 else '+'} {abs(self.add):g}"
        if self.multiply is not None:
            return f"{self.column} * {self.multiply:g}"
        shown = f"{self.set:g}" if isinstance(self.set, float) else str(self.set)
        return f"{self.column} = {shown}"


class InvarianceCheck(Change):
    """A change that must not matter: no score moves by more than `epsilon`."""

    name: str | None = Field(
        default=None, min_length=1, description="shown in the report; default: the change"
    )
    epsilon: Annotated[float, Field(ge=0, allow_inf_nan=False)] = Field(
        description="the largest change of a score allowed"
    )


class DirectionalCheck(Change):
    """A change that must move every score one way, or leave it (within `tolerance`)."""

    name: str | None = Field(
        default=None, min_length=1, description="shown in the report; default: the change"
    )
    direction: BehaviourDirection = Field(
        description="`increase`: no score may fall; `decrease`: no score may rise"
    )
    tolerance: Annotated[float, Field(ge=0, allow_inf_nan=False)] = Field(
        default=0.0, description="how far a score may move the wrong way"
    )


class CasesCheck(_Model):
    """Minimum functionality: every row of a small file is classified as its label says."""

    path: str = Field(min_length=1, description="CSV or Parquet file with the model's features")
    label: str | None = Field(
        default=None, min_length=1, description="column of expected labels; default: the model's"
    )
    id: str | None = Field(
        default=None,
        min_length=1,
        description="column naming each case; default: behaviour.id if the file has it, else "
        "the row's position",
    )
    name: str | None = Field(default=None, min_length=1, description="default: the file's name")


class BehaviourConfig(_Model):
    """The `modelci.behaviour` section: checks run against the model as trained."""

    model: str = Field(
        default="models/model.json",
        min_length=1,
        description="the model's metadata (file, SHA-256, features), as training wrote it",
    )
    data: str | None = Field(
        default=None,
        min_length=1,
        description="rows to change (CSV or Parquet), e.g. the test split; needed by "
        "invariance and directional checks",
    )
    id: str | None = Field(
        default=None, min_length=1, description="row id column; default: the row's position"
    )
    sample: Annotated[int, Field(gt=0, strict=True)] | None = Field(
        default=1000, description="rows drawn at random per check; null: every row"
    )
    seed: Annotated[int, Field(strict=True)] = 0
    threshold: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        default=None,
        description="decision threshold for the cases; default: modelci.predictions.threshold, "
        "else 0.5",
    )
    max_examples: Annotated[int, Field(ge=1, le=100, strict=True)] = Field(
        default=5, description="worst examples listed per failing check"
    )
    invariance: tuple[InvarianceCheck, ...] = ()
    directional: tuple[DirectionalCheck, ...] = ()
    cases: tuple[CasesCheck, ...] = ()

    @model_validator(mode="after")
    def _rows_to_change(self) -> BehaviourConfig:
        if self.data is None and (self.invariance or self.directional):
            raise ValueError(
                "invariance and directional checks need `data`: the rows to change "
                "(e.g. `data: data/test.parquet`)"
            )
        return self

    @property
    def checks(self) -> int:
        return len(self.invariance) + len(self.directional) + len(self.cases)
