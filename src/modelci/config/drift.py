"""`modelci: drift:` in params.yaml: the drift settings, a sub-model of the configuration.

    modelci:
      drift:
        share: 0.5                  # dataset drift when this share of columns drifted
        exclude: [transaction_id]   # columns not tested (identifiers, the label)
        numeric: {method: psi, threshold: 0.2}       # instead of Evidently's default choice
        categorical: {method: chisquare}
        columns:                    # per column; wins over the kind's setting
          amount: {method: ks, threshold: 0.01}
          hour: {kind: categorical}
        prediction: {method: wasserstein, threshold: 0.15}   # the model's scores

Every key is optional; a method without a threshold gets the method's default threshold.
The method names are declared here (configuration loads without scipy); the tests themselves are
registered in modelci.drift.stattests.registry, and a test keeps the two in step.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# method -> the column kinds it tests
METHOD_KINDS: dict[str, tuple[str, ...]] = {
    "ks": ("numeric",),
    "chisquare": ("categorical",),
    "z": ("categorical",),
    "wasserstein": ("numeric",),
    "jensenshannon": ("numeric", "categorical"),
    "psi": ("numeric", "categorical"),
}


class MethodSetting(BaseModel):
    """A test and its threshold; either may be left to the defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str | None = None
    threshold: float | None = Field(default=None, gt=0)

    @field_validator("method")
    @classmethod
    def _known_method(cls, method: str | None) -> str | None:
        if method is not None and method not in METHOD_KINDS:
            raise ValueError(f"unknown method {method!r}; known: {', '.join(METHOD_KINDS)}")
        return method

    def accepts(self, kind: str) -> bool:
        return self.method is None or str(kind) in METHOD_KINDS[self.method]


class ColumnSetting(MethodSetting):
    """A column's test, and optionally its kind (say, integer codes that are categories)."""

    kind: Literal["numeric", "categorical"] | None = None

    @model_validator(mode="after")
    def _method_fits_kind(self) -> ColumnSetting:
        if self.kind is not None and not self.accepts(self.kind):
            raise ValueError(f"method {self.method!r} does not test {self.kind} columns")
        return self


class DriftConfig(BaseModel):
    """The `modelci.drift` section (a sub-model of modelci's configuration)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share: float = Field(default=0.5, gt=0, le=1)
    exclude: tuple[str, ...] = ()
    numeric: MethodSetting = MethodSetting()
    categorical: MethodSetting = MethodSetting()
    columns: dict[str, ColumnSetting] = Field(default_factory=dict)
    prediction: MethodSetting = MethodSetting()

    @model_validator(mode="after")
    def _kind_methods_fit(self) -> DriftConfig:
        for kind in ("numeric", "categorical"):
            if not getattr(self, kind).accepts(kind):
                raise ValueError(
                    f"{kind}.method {getattr(self, kind).method!r} does not test {kind} columns"
                )
        if not self.prediction.accepts("numeric"):
            raise ValueError(
                f"prediction.method {self.prediction.method!r} does not test numeric scores"
            )
        return self

    def setting(self, column: str, kind: str) -> MethodSetting:
        """The column's own setting over its kind's: a field it leaves unset comes from the kind."""
        general: MethodSetting = getattr(self, str(kind))
        own = self.columns.get(column)
        if own is None:
            return general
        if own.method is not None and own.method != general.method:
            return MethodSetting(method=own.method, threshold=own.threshold)
        return MethodSetting(
            method=general.method,
            threshold=own.threshold if own.threshold is not None else general.threshold,
        )
