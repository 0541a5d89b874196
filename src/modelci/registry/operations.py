"""Registry operations: functions on a repository root that return data and never print.

A version is a commit: `register_version` tags it `NAME@vX.Y.Z` with the model card in the tag's
message; `assign` tags the version's commit `NAME#STAGE#N`. With `push`, the remote's tags are
fetched first (the next version and GTO's stage counter must see them), and the new tag is pushed
with `git push --atomic`, never forced: the remote accepts a ref name once, so the push is the
lock. A registration that loses the race deletes its local tag, fetches the winner's and raises
VersionConflictError naming it: nothing is left half-made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci.adapters import git
from modelci.adapters.dvc import ArtifactDeclaration, Project, artifacts
from modelci.adapters.gto_registry import (
    Bump,
    Event,
    ModelState,
    ModelVersion,
    Registry,
)
from modelci.errors import (
    ConfigError,
    DirtyWorkspaceError,
    NotInStageError,
    PipelineError,
    UsageError,
    VersionConflictError,
)
from modelci.registry.card import ModelCard, card_from_message, tag_message

DEFAULT_REMOTE = "origin"
CardBuilder = Callable[[str, str], ModelCard]  # (version, tag) -> the card to register


@dataclass(frozen=True)
class Registered:
    name: str
    version: str
    tag: str
    commit: str
    pushed: bool
    card: ModelCard

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "tag": self.tag,
            "commit": self.commit,
            "pushed": self.pushed,
        }


@dataclass(frozen=True)
class Assigned:
    name: str
    version: str
    stage: str
    tag: str
    commit: str
    pushed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "stage": self.stage,
            "tag": self.tag,
            "commit": self.commit,
            "pushed": self.pushed,
        }


# -- which model -----------------------------------------------------------------------------


def declared_models(root: Path) -> list[ArtifactDeclaration]:
    with Project(root) as project:
        return artifacts(project)


def resolve_model(root: Path, name: str | None = None) -> ArtifactDeclaration:
    """The model `name` declared in dvc.yaml `artifacts:`, or the only one declared."""
    declared = declared_models(root)
    if name is None:
        if len(declared) == 1:
            return declared[0]
        if not declared:
            raise ConfigError(
                "dvc.yaml declares no model in `artifacts:`",
                file="dvc.yaml",
                key="artifacts",
                hint="add `artifacts: {my-model: {path: models/model.pkl, type: model}}` to "
                "dvc.yaml",
            )
        raise UsageError(
            "dvc.yaml declares several artifacts: "
            + ", ".join(a.name for a in declared)
            + "; say which",
            hint="pass --name NAME",
        )
    for artifact in declared:
        if artifact.name == name:
            return artifact
    known = ", ".join(a.name for a in declared) or "none"
    raise ConfigError(
        f"dvc.yaml declares no artifact `{name}` (declared: {known})",
        file="dvc.yaml",
        key="artifacts",
        hint=f"add `{name}:` with its `path:` under `artifacts:` in dvc.yaml, or fix the name",
    )


def require_clean(root: Path, what: str) -> str:
    """HEAD's SHA when no tracked file differs from it; DirtyWorkspaceError otherwise."""
    dirty = git.dirty_files(root)
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise DirtyWorkspaceError(
            f"cannot {what}: the workspace has uncommitted changes ({shown})",
            hint="commit them (a registered version is exactly one commit) or stash them",
        )
    head = git.head(root).sha
    if head is None:
        raise UsageError(f"cannot {what}: {root} has no commit yet", hint="commit first")
    return head


# -- writing ---------------------------------------------------------------------------------


def plan_version(
    root: Path,
    name: str,
    commit: str,
    *,
    version: str | None,
    bump: Bump | None,
    push: bool,
    remote: str = DEFAULT_REMOTE,
) -> tuple[str, str]:
    """(version, tag) a registration would create now; refuses a version that is taken."""
    if version is not None and bump is not None:
        raise UsageError("--version and --bump exclude each other", hint="give one of them")
    if push:
        git.fetch_tags(root, remote)
    registry = Registry(root)
    listed = [v for v in registry.versions(name) if v.registered and v.active]
    on_commit = next((v for v in listed if v.commit == commit), None)
    if on_commit is not None:
        holder = registry.holder(on_commit.tag) if on_commit.tag else None
        raise VersionConflictError(
            f"{commit[:12]} is registered already as {name} {on_commit.version}: "
            f"{holder or on_commit.tag}",
            holder=holder,
            hint="a commit holds one version: commit your change, then register the new commit",
        )
    chosen = registry.check_version(version) if version else registry.next_version(name, bump)
    tag = registry.registration_tag(name, chosen)
    taken = registry.find(name, chosen)
    if taken is not None and taken.registered:
        holder = registry.holder(taken.tag or tag)
        raise VersionConflictError(
            f"{name} {chosen} is registered already: {holder or taken.commit}",
            holder=holder,
            hint="choose another --version, or --bump from the latest",
        )
    return chosen, tag


def register_version(
    root: Path,
    name: str,
    commit: str,
    version: str,
    card: ModelCard,
    *,
    push: bool,
    remote: str = DEFAULT_REMOTE,
) -> Registered:
    """Tag `commit` as `version` of `name`, the card in the tag's message; push it as a lock."""
    registry = Registry(root)
    tag = registry.register(name, commit, version, tag_message(card))
    if push:
        _push_or_unwind(root, registry, tag, remote, what=f"registration of {name} {version}")
    return Registered(name, version, tag, commit, pushed=push, card=card)


def assign(
    root: Path,
    name: str,
    version: str,
    stage: str,
    *,
    push: bool,
    remote: str = DEFAULT_REMOTE,
) -> Assigned:
    """Put `version` of `name` in `stage` (GTO's `NAME#STAGE#N` tag on its commit)."""
    if push:
        git.fetch_tags(root, remote)
    registry = Registry(root)
    found = registry.find(name, Registry.check_version(version))
    if found is None or not found.registered or not found.active:
        raise UsageError(
            f"{name} {version} is not a registered version",
            hint=f"list them with `modelci registry show {name}`",
        )
    tag = registry.assign(name, version, stage, message=f"Assign {name} {version} to stage {stage}")
    if push:
        _push_or_unwind(root, registry, tag, remote, what=f"assignment of {version} to {stage}")
    return Assigned(name, version, stage, tag, found.commit, pushed=push)


def _push_or_unwind(root: Path, registry: Registry, tag: str, remote: str, *, what: str) -> None:
    ref = f"refs/tags/{tag}"
    outcome = git.push_refs_atomic(root, remote, [ref])
    if outcome.pushed:
        return
    git.delete_tag(root, tag)  # nothing half-made: the tag exists on the remote or nowhere
    if git.remote_ref(root, remote, ref) is None:
        raise PipelineError(
            f"pushing `{tag}` to {remote} failed ({outcome.detail}); the {what} was undone "
            "(local tag deleted)",
            hint=f"check that you may push tags to {remote}, then run the command again",
        )
    git.fetch_ref(root, remote, ref)
    holder = registry.holder(tag)
    raise VersionConflictError(
        f"another {what.split(' of ')[0]} pushed `{tag}` first: {holder or tag}; yours was "
        "undone (local tag deleted, the winner's fetched)",
        holder=holder,
        hint="run the command again: it fetches the registry and picks the next free tag",
    )


# -- reading ---------------------------------------------------------------------------------


def show(root: Path) -> list[ModelState]:
    return Registry(root).models()


def versions(root: Path, name: str) -> list[ModelVersion]:
    return Registry(root).versions(name)


def history(root: Path, name: str) -> list[Event]:
    return Registry(root).history(name)


def current(root: Path, name: str, stage: str) -> ModelVersion:
    """The version of `name` in `stage` now; NotInStageError when none is."""
    found = Registry(root).in_stage(name, stage)
    if found is None:
        raise NotInStageError(
            f"no version of {name} is in stage `{stage}`",
            hint=f"assign one: `modelci registry assign vX.Y.Z {stage}`; fetch the tags first "
            "(`git fetch --tags`) if another machine assigned it",
        )
    return found


def find_version(root: Path, name: str, reference: str) -> ModelVersion:
    """A version by `vX.Y.Z`, `latest` or a stage (`#production`)."""
    registry = Registry(root)
    if reference.startswith("#"):
        return current(root, name, reference[1:])
    if reference == "latest":
        latest = registry.latest(name)
        if latest is None:
            raise UsageError(f"no version of {name} is registered", hint="register one first")
        return latest
    found = registry.find(name, Registry.check_version(reference))
    if found is None or not found.registered:
        raise UsageError(
            f"{name} {reference} is not a registered version",
            hint=f"list them with `modelci registry show {name}`",
        )
    return found


def read_card(root: Path, version: ModelVersion) -> ModelCard:
    """The model card a registered version's tag carries."""
    tag = version.tag or Registry.registration_tag(version.name, version.version)
    return card_from_message(tag, Registry(root).message(tag))


def baseline(root: Path, spec: str) -> tuple[str, ModelVersion | None, ModelCard | None]:
    """What `--baseline STAGE` (or `NAME#STAGE`) compares with: (stage, the version in it, its
    card); (stage, None, None) when no version holds the stage yet."""
    name, _, stage = spec.rpartition("#")
    model = resolve_model(root, name or None)
    found = Registry(root).in_stage(model.name, stage)
    if found is None:
        return stage, None, None
    return stage, found, read_card(root, found)


def parse_reference(text: str, default_name: str | None) -> tuple[str | None, str]:
    """`v1.2.0`, `NAME@v1.2.0`, `NAME@latest`, `NAME#STAGE` or `#STAGE` -> (name, reference)."""
    if text.startswith(("v", "#")) and "@" not in text:
        return default_name, text
    name, version, stage = Registry.parse_reference(text)
    if version is None and stage is None:
        raise UsageError(
            f"`{text}` names no version",
            hint="use vX.Y.Z, NAME@vX.Y.Z, NAME@latest or NAME#STAGE",
        )
    return name, version or f"#{stage}"
