"""`modelci: tests:` in params.yaml: the team's own test command, run inside the check.

    modelci:
      tests:
        command: python -m pytest -q scripts/tests --junitxml=eval/junit.xml
        junit: eval/junit.xml          # where the command writes its JUnit XML
        mode: required                 # or report-only: shown, and the verdict ignores them
        when: before-pipeline          # or after-pipeline: tests that read the trained model
        timeout: 900                   # seconds; a run still going then is stopped and reported

The command runs in the project's directory with the `python` on the user's PATH (never
modelci's own environment), split like a shell would split it but without a shell.
"""

from __future__ import annotations

import shlex
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

TestsMode = Literal["required", "report-only"]
TestsWhen = Literal["before-pipeline", "after-pipeline"]


class TestsConfig(BaseModel):
    """The `modelci.tests` section: one test command and where its JUnit XML lands."""

    __test__ = False  # a pydantic model, not a pytest test class
    model_config = ConfigDict(extra="forbid", frozen=True)

    command: str = Field(
        min_length=1,
        description="the test command, e.g. `python -m pytest -q tests --junitxml=junit.xml`; "
        "run without a shell, in the project's directory, with the user's PATH",
    )
    junit: str = Field(
        min_length=1,
        pattern=r"\S",
        description="the JUnit XML file the command writes, relative to the project",
    )
    mode: TestsMode = Field(
        default="required",
        description="`required`: a failing test, no test at all or a crashed run fails the check; "
        "`report-only`: they are reported and the verdict ignores them",
    )
    when: TestsWhen = Field(
        default="before-pipeline",
        description="`before-pipeline` (code tests) or `after-pipeline` (tests that read the "
        "trained model or the test data the pipeline writes)",
    )
    timeout: Annotated[int, Field(gt=0, le=86_400, strict=True)] = Field(
        default=1800, description="seconds before a run that is still going is stopped"
    )

    @field_validator("command")
    @classmethod
    def _splits(cls, command: str) -> str:
        try:
            words = shlex.split(command)
        except ValueError as error:  # an unclosed quote
            raise ValueError(f"cannot split the command into words: {error}") from None
        if not words:
            raise ValueError("the command is empty")
        return command

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.command)
