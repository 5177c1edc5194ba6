"""The service shell every Chorus service runs in, over real HTTP against the real parts."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter

from chorus_backbone.app import create_service_app
from chorus_backbone.errors import ApiError
from chorus_backbone.runtime import Runtime
from chorus_backbone.settings import ServiceSettings
from chorus_devinfra.probes import eventually
from chorus_devinfra.process import ManagedProcess, free_port
from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.redis import redis_process
from chorus_devinfra.serving import serving

pytestmark = pytest.mark.integration


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[ManagedProcess]:
    """A Redis of this test's own, so stopping it disturbs no other test."""
    process = redis_process("redis-own", free_port(), tmp_path)
    process.start()
    yield process
    process.stop()


def _settings(namespace: Namespace, redis_port: int) -> ServiceSettings:
    return ServiceSettings(
        service_name="probe",
        kafka_bootstrap=namespace.kafka_bootstrap,
        mongodb_url=namespace.mongo_url,
        mongodb_database=namespace.database,
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
        topic_prefix=namespace.topic_prefix,
        readiness_timeout_seconds=1.0,
        log_json=True,
    )


def _router() -> APIRouter:
    router = APIRouter()

    @router.get("/items/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        if item_id == 404:
            raise ApiError(404, "item_not_found", "no such item")
        return {"id": item_id}

    return router


async def test_readiness_follows_a_dependency_going_away_and_coming_back(
    namespace: Namespace, own_redis: ManagedProcess
) -> None:
    app = create_service_app(Runtime.from_settings(_settings(namespace, own_redis.port)), title="probe")
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "ready",
            "checks": {"mongodb": "ok", "kafka": "ok", "redis": "ok"},
        }

        own_redis.stop()
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"]["redis"] == "down"
        assert (await client.get("/healthz")).status_code == 200

        own_redis.start()
        await eventually(lambda: client.get("/readyz"), lambda response: response.status_code == 200)


async def test_errors_have_one_shape_and_every_response_carries_the_request_id(
    namespace: Namespace, own_redis: ManagedProcess
) -> None:
    app = create_service_app(
        Runtime.from_settings(_settings(namespace, own_redis.port)),
        title="probe",
        routers=[_router()],
    )
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        given = await client.get("/items/404", headers={"X-Request-ID": "req-42"})
        invalid = await client.get("/items/not-a-number")
        missing = await client.get("/nowhere")

    assert given.status_code == 404
    assert given.headers["x-request-id"] == "req-42"
    assert given.json() == {
        "error": {"code": "item_not_found", "message": "no such item", "request_id": "req-42"}
    }
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "validation_failed"
    assert invalid.json()["error"]["fields"][0]["field"] == "path.item_id"
    assert invalid.json()["error"]["request_id"] == invalid.headers["x-request-id"]
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
