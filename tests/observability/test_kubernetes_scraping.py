"""Every Chorus pod on Kubernetes is scraped by Prometheus and autoscaled."""

from pathlib import Path
from typing import Any

import yaml

MANIFESTS = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"


def _documents(kind: str) -> list[dict[str, Any]]:
    return [
        document
        for path in sorted(MANIFESTS.glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
        if document and document["kind"] == kind
    ]


def test_every_deployment_carries_the_scrape_annotations_of_its_metrics_port() -> None:
    deployments = _documents("Deployment")

    assert {d["metadata"]["name"] for d in deployments} == {"gateway", "users", "reviews", "forums"}
    for deployment in deployments:
        template = deployment["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        [container] = template["spec"]["containers"]
        http = next(p["containerPort"] for p in container["ports"] if p["name"] == "http")
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/path"] == "/metrics"
        assert annotations["prometheus.io/port"] == str(http)
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_every_deployment_is_autoscaled_and_forums_runs_several_replicas() -> None:
    scaled = {h["spec"]["scaleTargetRef"]["name"]: h["spec"] for h in _documents("HorizontalPodAutoscaler")}
    forums = next(d for d in _documents("Deployment") if d["metadata"]["name"] == "forums")

    assert set(scaled) == {"gateway", "users", "reviews", "forums"}
    assert all(spec["minReplicas"] >= 2 for spec in scaled.values())
    assert forums["spec"]["replicas"] >= 2
