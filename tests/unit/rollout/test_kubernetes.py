"""Rendered manifests against the upstream CRD schemas and Kubernetes' own (offline)."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from modelci.errors import UsageError
from modelci.rollout.kubernetes import RenderRequest, render
from tests.support.tools import skip_or_fail

CRDS = Path(__file__).resolve().parents[3] / ".." / "shared" / "k8s-crds"
DIGEST = "sha256:" + "ab" * 32
KUBERNETES = "1.33"
REQUEST = RenderRequest(
    name="fraud-detector",
    image="registry.example/acme/fraud-detector:v1.3.0",
    digest=DIGEST,
    version="v1.3.0",
    namespace="models",
)
CRD_FILES = {
    "InferenceService": "kserve-inferenceservices-crd.yaml",
    "Rollout": "argo-rollouts-rollout-crd.yaml",
    "AnalysisTemplate": "argo-rollouts-analysis-template-crd.yaml",
}


def strict(schema: Any) -> Any:
    """The CRD schema, refusing fields it does not declare (an API server prunes them, and
    `kubectl apply --validate=strict` refuses them): what a typo would silently lose."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


@functools.cache
def crd_schema(kind: str, api_version: str) -> dict[str, Any]:
    if not CRDS.is_dir():
        skip_or_fail(f"the upstream CRDs are not here ({CRDS})")
    # libyaml's loader: the CRDs are megabytes of YAML
    document = yaml.load((CRDS / CRD_FILES[kind]).read_text(), Loader=yaml.CSafeLoader)
    assert document["spec"]["names"]["kind"] == kind
    group = document["spec"]["group"]
    for version in document["spec"]["versions"]:
        if f"{group}/{version['name']}" == api_version:
            schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
            return strict(schema)
    raise AssertionError(f"{api_version} is not a version of {kind}'s CRD")


def validate_crd(resource: dict[str, Any]) -> None:
    schema = crd_schema(resource["kind"], resource["apiVersion"])
    body = {k: v for k, v in resource.items() if k not in ("apiVersion", "kind", "metadata")}
    document = {**body, "apiVersion": resource["apiVersion"], "kind": resource["kind"]}
    # metadata is the API server's ObjectMeta, which the CRD schema leaves open
    jsonschema.Draft202012Validator(schema).validate({**document, "metadata": {}})


def test_every_custom_resource_validates_against_its_upstream_crd() -> None:
    manifests = render(REQUEST)
    kinds = sorted(r["kind"] for r in manifests.resources.values())
    assert kinds == ["AnalysisTemplate", "InferenceService", "Rollout", "Service", "Service"]
    for resource in manifests.resources.values():
        if resource["kind"] in CRD_FILES:
            validate_crd(resource)


def test_the_strict_crd_check_bites() -> None:
    resource = copy.deepcopy(render(REQUEST).resources["kserve/inferenceservice.yaml"])
    resource["spec"]["predictor"]["canaryTrafficPercent"] = "10"
    with pytest.raises(jsonschema.ValidationError, match="'10' is not of type 'integer'"):
        validate_crd(resource)
    resource = copy.deepcopy(render(REQUEST).resources["argo-rollouts/rollout.yaml"])
    resource["spec"]["strategy"]["canary"]["stepz"] = []
    with pytest.raises(jsonschema.ValidationError, match="'stepz' was unexpected"):
        validate_crd(resource)


def test_core_resources_and_embedded_pod_specs_validate_against_kubernetes() -> None:
    resources = render(REQUEST).resources
    for name in ("core/service-stable.yaml", "core/service-canary.yaml"):
        kubernetes_validate.validate(resources[name], KUBERNETES, strict=True)
    rollout = resources["argo-rollouts/rollout.yaml"]
    isvc = resources["kserve/inferenceservice.yaml"]
    job = resources["argo-rollouts/analysis-template.yaml"]["spec"]["metrics"][0]["provider"]["job"]
    embedded = [
        {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "rollout"},
         "template": rollout["spec"]["template"]},
        {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "isvc"},
         "template": {"spec": {"containers": isvc["spec"]["predictor"]["containers"]}}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "analysis"},
         "spec": job["spec"]},
    ]  # fmt: skip
    for resource in embedded:
        kubernetes_validate.validate(resource, KUBERNETES, strict=True)


def test_kubernetes_validate_bites_on_a_wrong_service() -> None:
    service = copy.deepcopy(render(REQUEST).resources["core/service-stable.yaml"])
    service["spec"]["ports"][0]["port"] = "eighty"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(service, KUBERNETES, strict=True)


def test_the_image_is_pinned_by_digest_everywhere() -> None:
    manifests = render(REQUEST)
    image = f"registry.example/acme/fraud-detector:v1.3.0@{DIGEST}"
    assert manifests.image == image
    text = yaml.safe_dump(list(manifests.resources.values()))
    assert text.count("image: ") == text.count(f"image: {image}") == 3


def test_steps_become_weights_pauses_and_analyses() -> None:
    manifests = render(RenderRequest(**{**REQUEST.__dict__, "steps": (20, 50, 100)}))
    steps = manifests.resources["argo-rollouts/rollout.yaml"]["spec"]["strategy"]["canary"]["steps"]
    assert [next(iter(step)) for step in steps] == ["setWeight", "pause", "analysis"] * 2
    assert [s["setWeight"] for s in steps if "setWeight" in s] == [20, 50]
    assert steps[1] == {"pause": {"duration": "60s"}}
    isvc = manifests.resources["kserve/inferenceservice.yaml"]
    assert isvc["spec"]["predictor"]["canaryTrafficPercent"] == 20
    template = manifests.resources["argo-rollouts/analysis-template.yaml"]
    command = template["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]["spec"][
        "containers"
    ][0]["command"]
    assert command[:3] == ["modelci", "rollout", "analyse"]
    assert "{{args.canary-hash}}" in command


def test_one_engine_only() -> None:
    manifests = render(RenderRequest(**{**REQUEST.__dict__, "engines": ("kserve",)}))
    assert list(manifests.resources) == ["kserve/inferenceservice.yaml"]


def test_write_puts_one_resource_per_file(tmp_path: Path) -> None:
    written = render(REQUEST).write(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "argo-rollouts/analysis-template.yaml",
        "argo-rollouts/rollout.yaml",
        "core/service-canary.yaml",
        "core/service-stable.yaml",
        "kserve/inferenceservice.yaml",
    ]
    loaded = yaml.safe_load((tmp_path / "kserve/inferenceservice.yaml").read_text())
    assert loaded == render(REQUEST).resources["kserve/inferenceservice.yaml"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"digest": "sha256:abc"}, "invalid image digest 'sha256:abc'"),
        ({"image": "r/m:v1@sha256:" + "0" * 64}, "invalid image reference"),
        ({"name": "Fraud_Detector"}, "invalid model name 'Fraud_Detector'"),
        ({"steps": (10, 50)}, "invalid rollout steps 10,50"),
    ],
)
def test_bad_inputs_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        render(RenderRequest(**{**REQUEST.__dict__, **change}))
