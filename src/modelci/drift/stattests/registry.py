"""Method name -> test, and the default choice of test per column (Evidently's defaults).

    reference of at most 1,000 rows:  numeric -> ks;  categorical -> chisquare (z when binary)
    larger reference:                 numeric -> wasserstein;  categorical -> jensenshannon

`psi` is available on request, per kind or per column (params.yaml `modelci.drift`).
"""

from __future__ import annotations

from modelci.drift.stattests.base import ColumnKind, StatTest
from modelci.drift.stattests.chisquare import CHISQUARE
from modelci.drift.stattests.jensenshannon import JENSENSHANNON
from modelci.drift.stattests.ks import KS
from modelci.drift.stattests.psi import PSI
from modelci.drift.stattests.wasserstein import WASSERSTEIN
from modelci.drift.stattests.ztest import Z

METHODS: dict[str, StatTest] = {
    test.name: test for test in (KS, CHISQUARE, Z, WASSERSTEIN, JENSENSHANNON, PSI)
}

# Evidently's boundary: a reference of up to this many rows gets the tests with p-values.
SMALL_REFERENCE_ROWS = 1000


def get_method(name: str) -> StatTest:
    """The test registered as `name` (KeyError names the known ones)."""
    try:
        return METHODS[name]
    except KeyError:
        raise KeyError(f"unknown drift method {name!r}; known: {', '.join(METHODS)}") from None


def default_method(kind: ColumnKind, reference_rows: int, distinct_values: int) -> StatTest:
    """Evidently's default test for a column of `kind` (rows and values counted without NaN)."""
    if reference_rows <= SMALL_REFERENCE_ROWS:
        if kind is ColumnKind.NUMERIC:
            return KS
        return CHISQUARE if distinct_values > 2 else Z
    return WASSERSTEIN if kind is ColumnKind.NUMERIC else JENSENSHANNON
