"""pytest fixtures for a team's own model tests: `model`, `test_data`, `predictions`.

Registered through the `pytest11` entry point, so installing modelci in the environment the tests
run in is all it takes; the fixtures read the same `modelci:` section `modelci check` reads:

    def test_fraud_scores_above_threshold(model, test_data, modelci_config):
        fraud = test_data[test_data[model.label] == 1]
        scores = model.model.predict_proba(fraud[model.features])[:, 1]
        assert scores.mean() > modelci_config.predictions.threshold

- `model`: the workspace model (models/model.json and the file it names), loaded only after
  its SHA-256 matches the one recorded at training (modelci.modelfile). `.model` is the
  estimator, `.features` its input columns, `.label` the label column, `.metadata` the record.
- `test_data`: the test split named by `modelci.test_data`, as a pandas DataFrame.
- `predictions`: the per-row predictions file `modelci.predictions.path` names, as a DataFrame.
- `modelci_config`: the validated configuration itself.

The params file is the one `modelci check` ran with (it passes MODELCI_PARAMS_FILE to the test
command), else params.yaml in the directory pytest was started from, else in its rootdir. Paths
in it are relative to the project: MODELCI_PROJECT_ROOT under the check, else the params file's
folder. Every
fixture is session-scoped: the model is verified and loaded once. A missing or refused file fails
the tests that use it, with what to do (never a skip: a skip would read as a pass).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from modelci.errors import ModelciError

if TYPE_CHECKING:
    import pandas as pd

    from modelci.config import Config
    from modelci.modelfile import LoadedModel

# Set by `modelci check` for its test command (modelci.testsuite.run).
PARAMS_ENV = "MODELCI_PARAMS_FILE"
ROOT_ENV = "MODELCI_PROJECT_ROOT"
AFTER_PIPELINE = (
    "Under `modelci check`, tests that read the pipeline's outputs need "
    "`modelci.tests.when: after-pipeline`."
)

__all__ = ["model", "modelci_config", "predictions"]  # and `test_data` (function _test_data)


def params_file(config: pytest.Config) -> Path:
    """The params file the fixtures read (see the module's docstring for the order)."""
    given = os.environ.get(PARAMS_ENV)
    if given:
        return Path(given)
    started = Path(config.invocation_params.dir) / "params.yaml"
    return started if started.is_file() else config.rootpath / "params.yaml"


def project_root(config: Config) -> Path:
    """Where the configuration's paths start: the check's project, else the params file's folder."""
    given = os.environ.get(ROOT_ENV)
    return Path(given) if given else config.source.parent


def _fail(error: ModelciError, *, after_pipeline: bool = False) -> NoReturn:
    hint = f" Hint: {error.hint}" if error.hint else ""
    extra = f" {AFTER_PIPELINE}" if after_pipeline else ""
    pytest.fail(f"modelci: {error.message}{hint}{extra}", pytrace=False)


@pytest.fixture(scope="session")
def modelci_config(pytestconfig: pytest.Config) -> Config:
    """The `modelci:` section, validated as `modelci check` validates it."""
    from modelci.config import load_config

    try:
        return load_config(params_file(pytestconfig))
    except ModelciError as error:
        problem = error
    _fail(problem)  # outside the except block: the failure shows no chained traceback


@pytest.fixture(scope="session")
def model(modelci_config: Config) -> LoadedModel:
    """The workspace model, hash-verified before it is deserialised (modelci.modelfile)."""
    from modelci.modelfile import load_workspace_model

    try:
        return load_workspace_model(project_root(modelci_config))
    except ModelciError as error:
        problem = error
    _fail(problem, after_pipeline=True)


@pytest.fixture(scope="session", name="test_data")
def _test_data(modelci_config: Config) -> pd.DataFrame:
    """The test split `modelci.test_data` names (CSV or Parquet)."""
    path = modelci_config.section.test_data
    if path is None:
        pytest.fail(
            "modelci: the `test_data` fixture needs `modelci.test_data` in "
            f"{modelci_config.source.name}: the test split's path, e.g. data/test.parquet",
            pytrace=False,
        )
    return _read(path, modelci_config)


@pytest.fixture(scope="session")
def predictions(modelci_config: Config) -> pd.DataFrame:
    """The per-row predictions file `modelci.predictions.path` names."""
    if modelci_config.predictions is None:
        pytest.fail(
            "modelci: the `predictions` fixture needs `modelci.predictions.path` in "
            f"{modelci_config.source.name} (the evaluate stage's per-row predictions)",
            pytrace=False,
        )
    return _read(modelci_config.predictions.path, modelci_config)


def _read(path: str, config: Config) -> pd.DataFrame:
    from modelci.drift.data import DataSource, read_frame

    root = project_root(config)
    try:  # a workspace source is read as given: make it the project's file, wherever pytest runs
        return read_frame(DataSource(str(root / path)), root=root)
    except ModelciError as error:
        problem = error
    _fail(problem, after_pipeline=True)
