"""A real Prometheus, configured as `just obs` configures it, sees every service and replica up."""

from pathlib import Path

import grpc
import httpx
import pytest

from chorus_devinfra.obs import prometheus_config, prometheus_process
from chorus_devinfra.probes import eventually
from chorus_devinfra.process import free_port
from chorus_schemas.grpc import discovery_pb2, discovery_pb2_grpc
from tests.e2e.conftest import System

pytestmark = pytest.mark.integration


async def _targets(system: System) -> dict[str, list[str]]:
    async with grpc.aio.insecure_channel(system.registry_target) as channel:
        listed = await discovery_pb2_grpc.RegistryStub(channel).ListInstances(
            discovery_pb2.ListInstancesRequest()
        )
    targets: dict[str, list[str]] = {"gateway": [system.gateway_url.removeprefix("http://")]}
    for instance in listed.instances:
        targets.setdefault(instance.service, []).append(instance.http_url.removeprefix("http://"))
    return targets


async def test_prometheus_scrapes_every_service_and_replica_and_loads_the_alert_rules(
    shared_system: System, tmp_path: Path
) -> None:
    targets = await _targets(shared_system)
    port = free_port()
    prometheus = prometheus_process(
        prometheus_config(targets, scrape_seconds=1), port=port, state_dir=tmp_path
    )
    prometheus.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

            async def up() -> dict[tuple[str, str], str]:
                response = await client.get("/api/v1/query", params={"query": "up"})
                return {
                    (r["metric"]["job"], r["metric"]["instance"]): r["value"][1]
                    for r in response.json()["data"]["result"]
                }

            seen = await eventually(
                up, lambda found: len(found) == 5 and set(found.values()) == {"1"}, timeout=30
            )
            rules = (await client.get("/api/v1/rules")).json()["data"]["groups"]
    finally:
        prometheus.stop()

    assert sorted({job for job, _ in seen}) == [
        "chorus-forums",
        "chorus-gateway",
        "chorus-reviews",
        "chorus-users",
    ]
    assert sum(job == "chorus-forums" for job, _ in seen) == 2
    assert {rule["name"] for group in rules for rule in group["rules"]} >= {
        "ChorusOutboxStale",
        "ChorusDeadLettersGrowing",
        "ChorusHigh5xxRate",
        "ChorusForumsReplicaDown",
    }
