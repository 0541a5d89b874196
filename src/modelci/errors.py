"""One error hierarchy for modelci, and the exit codes it maps to.

    ModelciError                 every expected failure; always has a message and may carry a hint
    ├── UsageError               bad command-line usage (exit 2)
    │   └── RolloutConflict      a rollout already runs in that environment
    ├── ConfigError              the `modelci:` section or a schema file is wrong (exit 3)
    ├── DataError                a data file cannot be read at all (exit 4)
    ├── PipelineError            `dvc repro` or git failed (exit 5)
    ├── ModelFileError           a model file failed its hash check, or needs untrusted types (7)
    ├── RequestRejected          a request to `modelci serve` is malformed or breaks the schema
    │                            (an HTTP 4xx answer, never an exit code)
    ├── ServiceError             an outside service (GitHub API) failed (exit 6)
    │   └── GitHubError
    │       ├── GitHubAuthError        401/403: token or permission missing
    │       ├── GitHubNotFoundError    404: repository, pull request or comment not found
    │       └── GitHubRateLimitError   rate limit still in force after retries
    └── RegistryError            the model registry refused a change or a lookup (exit 9)
        ├── DirtyWorkspaceError    uncommitted changes: a version must be a commit
        ├── CheckNotPassedError    the commit's check did not pass
        ├── VersionConflictError   the version (or the tag) exists already: names who has it
        └── NotInStageError        no version of the model holds the stage

Verdicts that are not exceptions (a gate failed, data failed validation) are results: the CLI maps
them to exit codes through `ExitCode` too, so every code is defined here, in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Documented process exit codes (README, "Exit codes")."""

    OK = 0  # passed: every gate held and all data was valid
    GATE_FAILED = 1  # the check ran and at least one gate failed
    USAGE = 2  # bad command-line usage (click's own code for usage errors)
    CONFIG = 3  # configuration error: params.yaml `modelci:` section, schema file
    VALIDATION_FAILED = 4  # data failed validation (or could not be read)
    PIPELINE_FAILED = 5  # `dvc repro` or git failed
    SERVICE = 6  # an outside service (GitHub API) failed after retries
    MODEL_REFUSED = 7  # a model file failed its hash check, or needs a type nobody trusted
    DRIFT_DETECTED = 8  # `modelci drift`: the data (or the model's scores) drifted
    REGISTRY = 9  # `modelci registry`: the registry refused (dirty workspace, check not passed,
    # version taken or a lost race, nothing in the stage)
    ROLLED_BACK = 10  # `modelci rollout run`: the analysis failed the canary, it was rolled back
    INCONCLUSIVE = 11  # `modelci rollout run`: too little evidence; rolled back, never promoted
    INTERNAL = 70  # a bug in modelci: please report it


class ModelciError(Exception):
    """Root of every error modelci expects; the CLI prints `Error: <message>` and the hint."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        if not message:
            raise ValueError("ModelciError needs a message")
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def locations(self) -> list[tuple[str | None, int | None, str]]:
        """(file, line, message) for each place the error is about: annotations in workflows."""
        file = getattr(self, "file", None)
        line = getattr(self, "line", None)
        message = self.message + (f" Hint: {self.hint}" if self.hint else "")
        return [(file, line, message)]


class UsageError(ModelciError):
    exit_code = ExitCode.USAGE


class RolloutConflict(UsageError):
    """A second rollout to an environment while one runs there; names the running one."""

    def __init__(self, message: str, *, running: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.running = running


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a configuration file: where, what, and what is allowed."""

    message: str
    file: str | None = None
    key: str | None = None  # key path, e.g. `modelci.gates[1].threshold`
    line: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None and where:
            where += f":{self.line}"
        if self.key:
            where += f" (key `{self.key}`)" if where else f"key `{self.key}`"
        return f"{where}: {self.message}" if where else self.message


class ConfigError(ModelciError):
    """A configuration file is wrong; names the file and, where it applies, the key and line.

    Several problems found at once are all carried (`problems`) and all listed in the message.
    """

    exit_code = ExitCode.CONFIG

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        first = ConfigProblem(message, file=file, key=key, line=line, hint=hint)
        super().__init__(str(first), hint=hint)
        self.file = file
        self.key = key
        self.line = line
        self.problems: tuple[ConfigProblem, ...] = (first,)

    @classmethod
    def of(cls, problems: Sequence[ConfigProblem]) -> ConfigError:
        """One error for every problem; the first gives file, key and line."""
        if not problems:
            raise ValueError("ConfigError.of needs at least one problem")
        first = problems[0]
        error = cls(first.message, file=first.file, key=first.key, line=first.line, hint=first.hint)
        error.problems = tuple(problems)
        if len(problems) > 1:
            listed = "\n".join(
                f"  - {problem}" + (f" ({problem.hint})" if problem.hint else "")
                for problem in problems
            )
            error.message = f"{len(problems)} problems in the configuration:\n{listed}"
            error.hint = None
            error.args = (error.message,)
        return error

    def locations(self) -> list[tuple[str | None, int | None, str]]:
        return [
            (p.file, p.line, p.message + (f" Hint: {p.hint}" if p.hint else ""))
            for p in self.problems
        ]


class DataError(ModelciError):
    """A data file is missing or unreadable (as opposed to readable but invalid)."""

    exit_code = ExitCode.VALIDATION_FAILED

    def __init__(self, message: str, *, file: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.file = file


class PipelineError(ModelciError):
    exit_code = ExitCode.PIPELINE_FAILED


class ModelFileError(ModelciError):
    """A model file is missing, unverifiable, changed since training, or needs untrusted types."""

    exit_code = ExitCode.MODEL_REFUSED

    def __init__(self, message: str, *, file: str | None = None, hint: str | None = None) -> None:
        super().__init__(f"{file}: {message}" if file else message, hint=hint)
        self.file = file


class RequestRejected(ModelciError):
    """A request to the model server is refused: the HTTP status, and where it applies the
    field and the rule it broke. The server answers it as a 4xx; it never ends a process."""

    exit_code = ExitCode.USAGE

    def __init__(
        self,
        message: str,
        *,
        status: int = 422,
        field: str | None = None,
        rule: str | None = None,
        details: Sequence[dict[str, object]] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.rule = rule
        self.details = tuple(details)


class ServiceError(ModelciError):
    exit_code = ExitCode.SERVICE


class GitHubError(ServiceError):
    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class GitHubAuthError(GitHubError):
    pass


class GitHubNotFoundError(GitHubError):
    pass


class GitHubRateLimitError(GitHubError):
    pass


class RegistryError(ModelciError):
    """The git-tag model registry refused a change or could not answer a lookup."""

    exit_code = ExitCode.REGISTRY


class DirtyWorkspaceError(RegistryError):
    """Tracked files differ from the commit: a registered version must be exactly a commit."""


class CheckNotPassedError(RegistryError):
    """The check of the commit to register did not pass (or could not run)."""


@dataclass(frozen=True)
class TagHolder:
    """Who holds a registry tag: what a losing registration names."""

    tag: str
    commit: str
    tagger: str | None = None
    date: str | None = None

    def __str__(self) -> str:
        by = f" by {self.tagger}" if self.tagger else ""
        when = f" at {self.date}" if self.date else ""
        return f"`{self.tag}` (commit {self.commit[:12]}{by}{when})"


class VersionConflictError(RegistryError):
    """The version, or the tag, is already taken; `holder` says by whom, when known."""

    def __init__(
        self, message: str, *, holder: TagHolder | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.holder = holder


class NotInStageError(RegistryError):
    """No version of the model is in the stage asked for."""
