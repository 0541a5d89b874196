"""The git-tag model registry through GTO's own library (`gto.api`), in GTO's tag grammar.

`NAME@vX.Y.Z` registers a version, `NAME#STAGE#N` assigns a stage, `NAME#STAGE!#N` unassigns it,
`NAME@vX.Y.Z!` deregisters and `NAME@deprecated` deprecates: GTO writes and parses these tags, so
`gto show`, DVC and Studio read what modelci writes, and modelci reads what they write. Nothing
here parses a tag name itself. GTO's exceptions become modelci's errors, with hints. Pushing is
not GTO's: `modelci.adapters.git.push_refs_atomic` pushes a tag as a lock (see the registry).
GTO is imported lazily (it brings scmrepo and pydantic-settings).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from modelci.errors import (
    ModelciError,
    RegistryError,
    TagHolder,
    UsageError,
    VersionConflictError,
)

Bump = Literal["patch", "minor", "major"]


@dataclass(frozen=True)
class ModelVersion:
    """One version of a model as GTO indexes it; `stages` are those it holds now."""

    name: str
    version: str
    commit: str
    created_at: str  # ISO 8601
    author: str
    tag: str | None  # the registration tag (None for a version GTO found only by a stage tag)
    registered: bool
    active: bool  # False once deregistered
    stages: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "commit": self.commit,
            "created_at": self.created_at,
            "author": self.author,
            "tag": self.tag,
            "registered": self.registered,
            "active": self.active,
            "stages": list(self.stages),
        }


@dataclass(frozen=True)
class ModelState:
    """A model in the registry: its latest registered version and who holds each stage."""

    name: str
    latest: str | None
    stages: dict[str, str | None]  # every stage GTO knows of -> the version in it, or None
    registered: bool
    active: bool  # False once deprecated

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "latest": self.latest,
            "stages": dict(self.stages),
            "registered": self.registered,
            "active": self.active,
        }


@dataclass(frozen=True)
class Event:
    """One registry event (registration, assignment, ...), newest first in a history."""

    timestamp: str
    name: str
    event: str  # registration, deregistration, assignment, unassignment, deprecation
    version: str | None
    stage: str | None
    commit: str
    author: str
    tag: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "timestamp": self.timestamp,
            "name": self.name,
            "event": self.event,
            "version": self.version,
            "stage": self.stage,
            "commit": self.commit,
            "author": self.author,
            "tag": self.tag,
        }


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


@contextlib.contextmanager
def gto_errors(root: Path) -> Iterator[None]:
    """GTO's exceptions as modelci's errors (the CLI maps those to exit codes)."""
    from gto import exceptions as gto_exc

    try:
        yield
    except ModelciError:
        raise
    except gto_exc.VersionAlreadyRegistered as error:
        raise VersionConflictError(
            f"{error.msg}",
            hint="choose another --version, or let modelci bump the latest (--bump)",
        ) from error
    except gto_exc.VersionExistsForCommit as error:
        raise VersionConflictError(
            f"{error.msg}; a commit holds one version",
            hint="commit the change you want to register, then register that commit",
        ) from error
    except gto_exc.TagExists as error:
        raise VersionConflictError(
            f"{error.msg} in {root}", hint="fetch the tags (`git fetch --tags`) and retry"
        ) from error
    except (
        gto_exc.WrongArgs,
        gto_exc.ValidationError,
        gto_exc.InvalidVersion,
        gto_exc.RefNotFound,
        gto_exc.UnknownStage,
    ) as error:
        raise UsageError(str(error.msg)) from error
    except gto_exc.NoRepo as error:
        raise UsageError(
            f"{root} is not a git repository", hint="run modelci inside the model's repository"
        ) from error
    except gto_exc.GTOException as error:
        raise RegistryError(f"GTO failed: {error.msg}") from error


class Registry:
    """The registry of one git repository (its tags), read and written through `gto.api`."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._repo = str(self.root)

    # -- reading -------------------------------------------------------------------------------

    def models(self) -> list[ModelState]:
        """Every model with registry tags (deprecated ones too, marked inactive)."""
        import gto.api

        with gto_errors(self.root):
            state: dict[str, dict[str, Any]] = gto.api.show(self._repo, deprecated=True)
        return [
            ModelState(
                name=name,
                latest=entry["version"],
                stages=dict(entry["stage"]),
                registered=bool(entry["registered"]),
                active=bool(entry["active"]),
            )
            for name, entry in sorted(state.items())
        ]

    def versions(self, name: str) -> list[ModelVersion]:
        """Versions of `name`, newest first (deregistered ones included, marked inactive)."""
        import gto.api
        from gto.exceptions import ArtifactNotFound

        try:
            with gto_errors(self.root):
                rows: list[dict[str, Any]] = gto.api.show(self._repo, name, deprecated=True)
        except RegistryError as error:
            if isinstance(error.__cause__, ArtifactNotFound):
                return []  # no tag names the model yet
            raise
        versions = []
        for row in rows:
            registrations = row.get("registrations") or []
            versions.append(
                ModelVersion(
                    name=name,
                    version=str(row["version"]),
                    commit=str(row["commit_hexsha"]),
                    created_at=_iso(row["created_at"]),
                    author=str(row["author"]),
                    tag=str(registrations[0]["tag"]) if registrations else None,
                    registered=bool(registrations),
                    active=bool(row["is_active"]),
                    stages=tuple(str(stage["stage"]) for stage in row["stages"]),
                )
            )
        return versions

    def find(self, name: str, version: str) -> ModelVersion | None:
        return next((v for v in self.versions(name) if v.version == version), None)

    def in_stage(self, name: str, stage: str) -> ModelVersion | None:
        """The version of `name` that holds `stage` now (GTO: the latest assignment wins)."""
        if not self.versions(name):
            return None  # GTO raises for a model no tag names yet
        import gto.api

        with gto_errors(self.root):
            found = gto.api.find_versions_in_stage(self._repo, name, stage)
        if not found:
            return None
        vstage = found[0] if isinstance(found, list) else found
        return self.find(name, str(vstage.version))

    def history(self, name: str) -> list[Event]:
        import gto.api

        with gto_errors(self.root):
            rows: list[dict[str, Any]] = gto.api.history(self._repo, name)
        return [
            Event(
                timestamp=_iso(row["timestamp"]),
                name=str(row["artifact"]),
                event=str(row["event"]),
                version=row.get("version"),
                stage=row.get("stage"),
                commit=str(row["commit"]),
                author=str(row["author"]),
                tag=str(row["ref"]),
            )
            for row in rows
        ]

    def message(self, tag: str) -> str | None:
        """The message of a registry tag, as GTO read it (the model card travels in it)."""
        from gto.registry import GitRegistry

        with gto_errors(self.root), GitRegistry.from_url(self._repo) as registry:
            git_tag = registry.scm.get_tag(tag)
        message = getattr(git_tag, "message", None)
        return str(message) if message is not None else None

    def latest(self, name: str) -> ModelVersion | None:
        """The greatest registered version (semantic-version order, as GTO's `@latest`)."""
        if not self.versions(name):
            return None  # GTO raises for a model no tag names yet
        import gto.api

        with gto_errors(self.root):
            latest = gto.api.find_latest_version(self._repo, name, registered=True)
        return self.find(name, str(latest.version)) if latest is not None else None

    def next_version(self, name: str, bump: Bump | None) -> str:
        """The version a registration without `--version` gets: the latest bumped (patch by
        default), or GTO's first version (v0.0.1) when none is registered."""
        from gto.versions import SemVer

        latest = self.latest(name)
        if latest is None:
            if bump is not None:
                raise UsageError(
                    f"no version of {name} is registered yet: there is nothing to bump",
                    hint="drop --bump (the first version is v0.0.1), or give --version v1.0.0",
                )
            return str(SemVer.get_minimal().version)  # type: ignore[no-untyped-call]  # GTO leaves it unannotated
        bumped = SemVer(latest.version).bump(  # type: ignore[no-untyped-call]  # GTO leaves it unannotated
            bump_major=bump == "major",
            bump_minor=bump == "minor",
            bump_patch=bump in (None, "patch"),
        )
        return str(bumped.version)

    @staticmethod
    def registration_tag(name: str, version: str) -> str:
        """The tag GTO writes to register `version` of `name` (`name@version`)."""
        from gto.constants import Action
        from gto.tag import name_tag

        with gto_errors(Path()):
            return str(name_tag(Action.REGISTER, name, version=version, simple=True))

    @staticmethod
    def parse_reference(text: str) -> tuple[str, str | None, str | None]:
        """GTO's shortcuts: `name@v1.2.0` -> (name, v1.2.0, None); `name#prod` -> (name, None,
        prod); a bare `name` -> (name, None, None). (`name@latest` is the latest version.)"""
        from gto.constants import parse_shortcut

        with gto_errors(Path()):
            shortcut = parse_shortcut(text)  # type: ignore[no-untyped-call]  # GTO leaves it unannotated
        version = "latest" if shortcut.latest else shortcut.version
        return str(shortcut.name), version, shortcut.stage

    @staticmethod
    def check_version(version: str) -> str:
        """`version` if GTO accepts it as a version (`vX.Y.Z`), else a usage error."""
        from gto.versions import SemVer

        if not SemVer.is_valid(version):  # type: ignore[no-untyped-call]  # GTO leaves it unannotated
            raise UsageError(
                f"`{version}` is not a version GTO accepts",
                hint="versions are `v` and a semantic version: v1.2.0, v1.2.1-rc.1",
            )
        return version

    # -- writing (local tags; pushing is the caller's) ---------------------------------------

    def register(self, name: str, commit: str, version: str, message: str) -> str:
        """Create the annotated tag `name@version` on `commit`; returns the tag's name."""
        import gto.api

        self.check_version(version)
        with gto_errors(self.root):
            event = gto.api.register(
                self._repo, name, commit, version=version, message=message, simple=True
            )
        return str(event.tag)

    def assign(self, name: str, version: str, stage: str, message: str | None = None) -> str:
        """Create the annotated tag `name#stage#N` on the version's commit; returns its name."""
        import gto.api

        with gto_errors(self.root):
            event = gto.api.assign(self._repo, name, stage, version=version, message=message)
        return str(event.tag)

    def holder(self, tag: str) -> TagHolder | None:
        """Who holds `tag` here: its commit, tagger and date."""
        from modelci.adapters import git

        info = git.tag_info(self.root, tag)
        if info is None:
            return None
        return TagHolder(tag=tag, commit=info.commit, tagger=info.tagger, date=info.date)
