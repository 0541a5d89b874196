"""The `kubernetes` target: manifests for a canary of a model image, written to a folder.

    kserve/inferenceservice.yaml        KServe InferenceService: the image as the predictor, with
                                        `canaryTrafficPercent` at the first step (KServe keeps the
                                        previous revision as stable and splits traffic)
    argo-rollouts/rollout.yaml          Argo Rollouts Rollout: canary steps (setWeight, pause for
                                        the analysis window, analysis), stable and canary Services
    argo-rollouts/analysis-template.yaml  the analysis step: a Job running modelci's analysis
                                        against Prometheus, exit 0 (pass) or 1 (fail)
    core/service-stable.yaml, core/service-canary.yaml   the Services the Rollout switches

One target or both (`kserve`, `argo-rollouts`); the image is named by reference *and* digest, so
what runs is exactly what was built. Rendering only: nothing here talks to an API server.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from modelci.errors import UsageError
from modelci.files import write_text_atomic
from modelci.rollout.steps import DEFAULT_STEPS, check_steps

Engine = Literal["kserve", "argo-rollouts"]
ENGINES: tuple[Engine, ...] = ("kserve", "argo-rollouts")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9._\-/:]*$")  # repository[:tag], no digest, no spaces
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")  # an RFC 1123 label

# The analysis step's command. `--canary-hash`/`--stable-hash` select each version's series by
# Argo Rollouts' `rollouts-pod-template-hash` label; the analysis exits 0 (pass) or 1 (fail).
ANALYSIS_COMMAND: tuple[str, ...] = ("modelci", "rollout", "analyse")


@dataclass(frozen=True)
class Manifests:
    """A model image's canary manifests: file name (relative) -> resource."""

    name: str
    image: str  # reference@digest
    resources: dict[str, dict[str, Any]]

    def write(self, folder: Path) -> list[Path]:
        written = []
        for relative, resource in self.resources.items():
            path = folder / relative
            try:
                write_text_atomic(path, yaml.safe_dump(resource, sort_keys=False))
            except OSError as error:
                raise UsageError(
                    f"cannot write {path}: {error.strerror or error}",
                    hint="Choose an --out folder you can write to.",
                ) from error
            written.append(path)
        return written


@dataclass(frozen=True)
class RenderRequest:
    name: str  # the model's name, also the resources' name (fraud-detector)
    image: str  # repository[:tag] (ghcr.io/acme/fraud-detector:v1.3.0)
    digest: str  # sha256:<64 hex>
    version: str | None = None  # the registry version, as a label (v1.3.0)
    namespace: str = "default"
    engines: tuple[Engine, ...] = ENGINES
    steps: tuple[int, ...] = DEFAULT_STEPS
    window_seconds: int = 60
    port: int = 8080
    replicas: int = 2
    prometheus_url: str = "http://prometheus.monitoring.svc:9090"


def render(request: RenderRequest) -> Manifests:
    """The manifests for `request`; every input is checked first (UsageError)."""
    _check(request)
    steps = check_steps(request.steps)
    image = f"{request.image}@{request.digest}"
    labels = {"app.kubernetes.io/name": request.name, "app.kubernetes.io/managed-by": "modelci"}
    if request.version:
        labels["app.kubernetes.io/version"] = _label_value(request.version)
    resources: dict[str, dict[str, Any]] = {}
    if "kserve" in request.engines:
        resources["kserve/inferenceservice.yaml"] = _inference_service(
            request, image, labels, steps
        )
    if "argo-rollouts" in request.engines:
        resources["argo-rollouts/rollout.yaml"] = _rollout(request, image, labels, steps)
        resources["argo-rollouts/analysis-template.yaml"] = _analysis_template(
            request, image, labels
        )
        for role in ("stable", "canary"):
            resources[f"core/service-{role}.yaml"] = _service(request, labels, role)
    return Manifests(request.name, image, resources)


def _check(request: RenderRequest) -> None:
    if not _NAME.match(request.name):
        raise UsageError(
            f"invalid model name {request.name!r} for Kubernetes resources",
            hint="Use lower-case letters, digits and '-', at most 63 (an RFC 1123 label).",
        )
    if not _NAME.match(request.namespace):
        raise UsageError(f"invalid namespace {request.namespace!r}", hint="An RFC 1123 label.")
    if "@" in request.image or not _IMAGE.match(request.image):
        raise UsageError(
            f"invalid image reference {request.image!r}",
            hint="Give the repository and tag (registry.example/team/model:v1.3.0) and the "
            "digest apart, with --digest.",
        )
    if not _DIGEST.match(request.digest):
        raise UsageError(
            f"invalid image digest {request.digest!r}",
            hint="A digest is sha256: and 64 hex digits (`modelci image` prints it).",
        )
    if request.window_seconds < 1 or request.replicas < 1 or not 0 < request.port < 65536:
        raise UsageError("the window, the replicas and the port must be positive")
    unknown = sorted(set(request.engines) - set(ENGINES))
    if unknown or not request.engines:
        raise UsageError(f"unknown engines {unknown}", hint=f"Choose from {', '.join(ENGINES)}.")


def _label_value(text: str) -> str:
    value = re.sub(r"[^A-Za-z0-9._-]", "-", text)[:63].strip("-._")
    return value or "unknown"


def _container(request: RenderRequest, image: str, name: str) -> dict[str, Any]:
    """The model server: the image's own command (`modelci serve` on `port`)."""
    port = request.port
    return {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/v2/health/ready", "port": port}},
        "livenessProbe": {"httpGet": {"path": "/v2/health/live", "port": port}},
        "securityContext": {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }


def _metadata(request: RenderRequest, labels: dict[str, str], name: str) -> dict[str, Any]:
    return {"name": name, "namespace": request.namespace, "labels": dict(labels)}


def _inference_service(
    request: RenderRequest, image: str, labels: dict[str, str], steps: Sequence[int]
) -> dict[str, Any]:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": _metadata(request, labels, request.name),
        "spec": {
            "predictor": {
                "minReplicas": request.replicas,
                "canaryTrafficPercent": steps[0],
                # KServe's own serving container name: its probes and routing expect it
                "containers": [_container(request, image, "kserve-container")],
            }
        },
    }


def _rollout(
    request: RenderRequest, image: str, labels: dict[str, str], steps: Sequence[int]
) -> dict[str, Any]:
    selector = {"app.kubernetes.io/name": request.name}
    canary_steps: list[dict[str, Any]] = []
    for percent in steps[:-1]:  # 100 is the promotion Argo Rollouts does after the last step
        canary_steps += [
            {"setWeight": percent},
            {"pause": {"duration": f"{request.window_seconds}s"}},
            {
                "analysis": {
                    "templates": [{"templateName": f"{request.name}-canary"}],
                    "args": [
                        {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
                        {"name": "stable-hash", "valueFrom": {"podTemplateHashValue": "Stable"}},
                    ],
                }
            },
        ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": _metadata(request, labels, request.name),
        "spec": {
            "replicas": request.replicas,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [_container(request, image, "model")]},
            },
            "strategy": {
                "canary": {
                    "stableService": f"{request.name}-stable",
                    "canaryService": f"{request.name}-canary",
                    "steps": canary_steps,
                }
            },
        },
    }


def _analysis_template(
    request: RenderRequest, image: str, labels: dict[str, str]
) -> dict[str, Any]:
    """The analysis as a Job: the model's own image has modelci on PATH."""
    command = [
        *ANALYSIS_COMMAND,
        "--source", "prometheus",
        "--prometheus-url", request.prometheus_url,
        "--window", f"{request.window_seconds}s",
        "--canary-hash", "{{args.canary-hash}}",
        "--stable-hash", "{{args.stable-hash}}",
    ]  # fmt: skip
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": _metadata(request, labels, f"{request.name}-canary"),
        "spec": {
            "args": [{"name": "canary-hash"}, {"name": "stable-hash"}],
            "metrics": [
                {
                    "name": "modelci-canary-analysis",
                    "count": 1,
                    "failureLimit": 0,  # one failing verdict rolls back
                    "provider": {
                        "job": {
                            "spec": {
                                "backoffLimit": 0,
                                "template": {
                                    "spec": {
                                        "restartPolicy": "Never",
                                        "containers": [
                                            {"name": "analysis", "image": image, "command": command}
                                        ],
                                    }
                                },
                            }
                        }
                    },
                }
            ],
        },
    }


def _service(request: RenderRequest, labels: dict[str, str], role: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(request, labels, f"{request.name}-{role}"),
        "spec": {
            # Argo Rollouts adds each version's pod-template hash to this selector
            "selector": {"app.kubernetes.io/name": request.name},
            "ports": [{"name": "http", "port": 80, "targetPort": request.port, "protocol": "TCP"}],
        },
    }
