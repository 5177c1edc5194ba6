"""The Kubernetes manifests, checked without a cluster: every file and every rendered overlay
against the Kubernetes schemas, and each service the code defines against what it needs."""

import importlib.util
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import kubernetes_validate
import pytest
import yaml
from fastapi import FastAPI
from starlette.routing import Match

from chorus_backbone.topics import load_topics
from chorus_devinfra import kustomize

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"
OVERLAYS = ("local", "production")
# Resources of operators' CRDs are not in the Kubernetes schemas: checked by the tests below.
CUSTOM_KINDS = {("keda.sh/v1alpha1", "ScaledObject")}
HEALTH_ENDPOINTS = {"/healthz", "/readyz"}

Document = dict[str, Any]


def _settings_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("k8s_settings", K8S / "settings.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SETTINGS = _settings_module()
SERVICES: list[str] = list(SETTINGS.SERVICES)


def _validate(document: Document, where: str) -> None:
    if (document["apiVersion"], document["kind"]) in CUSTOM_KINDS:
        return
    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        raise AssertionError(
            f"{where}: {document['kind']} {document['metadata'].get('name')}: {error}"
        ) from None


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Document]]:
    """Every overlay through kustomize; the local one with a throwaway secrets.env."""
    tree = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, tree, ignore=shutil.ignore_patterns("secrets.env"))
    example = (tree / "overlays" / "local" / "secrets.env.example").read_text()
    filled = example.replace("jwt-secret=", f"jwt-secret={secrets.token_urlsafe(48)}").replace(
        "service-token-secret=", f"service-token-secret={secrets.token_urlsafe(48)}"
    )
    (tree / "overlays" / "local" / "secrets.env").write_text(filled)
    return {
        overlay: [d for d in yaml.safe_load_all(kustomize.build(tree / "overlays" / overlay)) if d]
        for overlay in OVERLAYS
    }


def _one(documents: list[Document], kind: str, name: str) -> Document:
    found = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def _source_manifests() -> Iterator[tuple[Path, Document]]:
    for path in sorted(K8S.rglob("*.yaml")):
        if (
            path.name == "kustomization.yaml"
            or path.parent.name == "production"
            or path.name == "service-pod.yaml"
        ):
            continue  # kustomize's own files and patches: checked once rendered
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                yield path, document


def test_every_manifest_file_is_valid_against_the_kubernetes_schemas() -> None:
    checked = 0
    for path, document in _source_manifests():
        _validate(document, str(path.relative_to(ROOT)))
        checked += 1
    assert checked >= 25


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_overlay_is_valid_against_the_kubernetes_schemas(
    rendered: dict[str, list[Document]], overlay: str
) -> None:
    for document in rendered[overlay]:
        _validate(document, f"overlays/{overlay}")
    assert {d["kind"] for d in rendered[overlay]} >= {
        "Namespace", "Deployment", "Service", "ConfigMap", "PodDisruptionBudget",
        "HorizontalPodAutoscaler", "NetworkPolicy", "StatefulSet", "Job",
    }  # fmt: skip


def test_the_settings_files_are_current_with_the_settings_classes() -> None:
    assert SETTINGS.main(["--check"]) == 0


def _app(service: str) -> FastAPI:
    """The service's application as it would start (built, not started: nothing connects)."""
    module = importlib.import_module(f"{service}.api.app")
    app: FastAPI = module.create_app(SETTINGS.settings_class(service)())
    return app


def _serves(app: FastAPI, path: str) -> bool:
    scope = {"type": "http", "path": path, "method": "GET", "root_path": "", "headers": []}
    scope["query_string"] = b""
    return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)


def _environment(deployment: Document, documents: list[Document]) -> set[str]:
    """Every variable the container gets: its env and the ConfigMaps it takes whole."""
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    names = {variable["name"] for variable in container.get("env", [])}
    for source in container.get("envFrom", []):
        config_map = _one(documents, "ConfigMap", source["configMapRef"]["name"])
        names |= set(config_map["data"])
    return names


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_has_a_deployment_a_service_real_probes_and_every_setting(
    rendered: dict[str, list[Document]], overlay: str, service: str
) -> None:
    documents = rendered[overlay]
    deployment = _one(documents, "Deployment", service)
    spec = deployment["spec"]["template"]["spec"]
    [container] = spec["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    selected = [
        s for s in documents
        if s["kind"] == "Service" and s["spec"]["selector"] == {"app.kubernetes.io/name": service}
    ]  # fmt: skip
    settings_class = SETTINGS.settings_class(service)
    prefix = SETTINGS.env_prefix(service)
    unset = {
        f"{prefix}{name.upper()}"
        for name, field in settings_class.model_fields.items()
        if field.get_default(call_default_factory=True) is None
    }
    environment = _environment(deployment, documents)
    app = _app(service)
    config = _one(documents, "ConfigMap", container["envFrom"][0]["configMapRef"]["name"])["data"]

    assert selected, f"no Service selects {service}"
    assert all(port["targetPort"] in ports for s in selected for port in s["spec"]["ports"])
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        path = container[probe]["httpGet"]["path"]
        assert path in HEALTH_ENDPOINTS, probe
        assert _serves(app, path), f"{service} has no GET {path}"
        assert container[probe]["httpGet"]["port"] == "http"
    assert int(config[f"{prefix}PORT"]) == ports["http"]
    missing = {f"{prefix}{name.upper()}" for name in settings_class.model_fields} - environment - unset
    assert not missing, f"{service} reads settings its Deployment does not set: {sorted(missing)}"
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]["memory"]
    assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == str(
        ports["http"]
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_one_autoscaler_and_a_disruption_budget(
    rendered: dict[str, list[Document]], overlay: str
) -> None:
    documents = rendered[overlay]
    hpas = {
        d["spec"]["scaleTargetRef"]["name"]: d for d in documents if d["kind"] == "HorizontalPodAutoscaler"
    }
    scaled = {d["spec"]["scaleTargetRef"]["name"] for d in documents if d["kind"] == "ScaledObject"}
    budgets = {
        d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for d in documents
        if d["kind"] == "PodDisruptionBudget"
    }

    for service in SERVICES:
        assert (service in hpas) != (service in scaled), f"{service}: exactly one autoscaler"
        assert service in budgets
    for service in ("gateway", "forums"):  # on CPU, as the traffic takes them
        metric = hpas[service]["spec"]["metrics"][0]["resource"]
        assert metric["name"] == "cpu"
        assert hpas[service]["spec"]["minReplicas"] >= 2
    forums = _one(documents, "Deployment", "forums")["spec"]["template"]["spec"]
    assert forums["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
    assert forums["terminationGracePeriodSeconds"] > 30  # preStop plus the drain


async def test_event_consumers_scale_on_the_lag_of_the_groups_the_code_consumes_in(
    rendered: dict[str, list[Document]],
) -> None:
    documents = rendered["production"]
    partitions = {topic.name: topic.partitions for topic in load_topics()}
    scaled = {
        d["spec"]["scaleTargetRef"]["name"]: d["spec"] for d in documents if d["kind"] == "ScaledObject"
    }

    assert set(scaled) == {"reviews", "analytics"}
    for service, spec in scaled.items():
        runtime = _app(service).state.runtime
        consumed = {(consumer.group, consumer.logical_topic) for consumer in runtime.consumers}
        triggers = {
            (t["metadata"]["consumerGroup"], t["metadata"]["topic"])
            for t in spec["triggers"]
            if t["type"] == "kafka"
        }
        assert triggers == consumed, service
        assert spec["maxReplicaCount"] <= min(partitions[topic] for _, topic in triggers)


def _egress_ports_to(policy: Document, name: str) -> bool:
    return any(
        peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == name
        for rule in policy["spec"].get("egress", [])
        for peer in rule.get("to", [])
    )


def test_network_policies_open_only_the_gateway_and_each_database_to_its_owner(
    rendered: dict[str, list[Document]],
) -> None:
    documents = rendered["local"]
    policies = [d for d in documents if d["kind"] == "NetworkPolicy"]
    open_to_all = [
        p["spec"]["podSelector"]
        for p in policies
        for rule in p["spec"].get("ingress", [])
        if "from" not in rule
    ]
    default_deny = _one(documents, "NetworkPolicy", "default-deny")["spec"]

    assert default_deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert open_to_all == [{"matchLabels": {"app.kubernetes.io/name": "gateway"}}]
    for owner in ("users", "reviews", "forums", "analytics"):
        database = f"mongo-{owner}"
        ingress = _one(documents, "NetworkPolicy", f"{database}-ingress")["spec"]["ingress"]
        assert [peer["podSelector"]["matchLabels"] for rule in ingress for peer in rule["from"]] == [
            {"app.kubernetes.io/name": owner}
        ]
        egress = _one(documents, "NetworkPolicy", f"{owner}-egress")
        assert _egress_ports_to(egress, database)
        assert not any(_egress_ports_to(egress, f"mongo-{other}") for other in SERVICES if other != owner)


def test_no_secret_value_is_committed() -> None:
    committed = [document for _, document in _source_manifests() if document["kind"] == "Secret"]
    example = (K8S / "overlays" / "local" / "secrets.env.example").read_text()

    assert committed == []
    assert "jwt-secret=\n" in example
    assert "service-token-secret=\n" in example
