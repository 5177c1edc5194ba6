"""The whole system in one test process: the gateway, users, reviews and two forums replicas.

Tests written against ``edge`` (the gateway only) also run against a deployed Chorus:
with CHORUS_E2E_GATEWAY_URL set they talk to that gateway instead (``just compose-e2e``
runs them against the containers).
"""

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from chorus_devinfra.probes import eventually
from chorus_devinfra.process import free_port
from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.serving import serving
from forums.api.app import create_app as create_forums
from forums.settings import ForumsSettings
from gateway.api.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from reviews.api.app import create_app as create_reviews
from reviews.settings import ReviewsSettings
from users.api.app import create_app as create_users
from users.settings import UsersSettings


def gateway_settings(namespace: Namespace, **overrides: object) -> GatewaySettings:
    """A gateway of this namespace: no upstream but those it finds registered, or ``overrides`` names."""
    values: dict[str, object] = {
        "redis_url": namespace.redis_url,
        "redis_key_prefix": namespace.redis_prefix,
        "grpc_port": free_port(),
        "users_url": None,
        "reviews_url": None,
        "forums_urls": [],
        "registry_lease_seconds": 3,
        "failed_instance_pause_seconds": 1.0,
    }
    return GatewaySettings(**{**values, **overrides})  # type: ignore[arg-type]


@dataclass
class System:
    gateway_url: str
    gateway: httpx.AsyncClient
    registry_target: str
    namespace: Namespace
    stack: contextlib.AsyncExitStack
    gateway_app: FastAPI | None = None
    urls: dict[str, str] = field(default_factory=dict)  # service name → the first instance started

    async def instances(self, service: str) -> list[str]:
        """The instances of ``service`` the gateway routes to now."""
        assert self.gateway_app is not None
        return list(await self.gateway_app.state.pool.instances(service))

    def gateway_settings(self, **overrides: object) -> GatewaySettings:
        return gateway_settings(self.namespace, **overrides)

    def service_settings(self, settings_class: type, **overrides: object):  # type: ignore[no-untyped-def]
        port = overrides.pop("port", None) or free_port()
        values = {
            "port": port,
            "advertised_url": f"http://127.0.0.1:{port}",
            "registry_target": self.registry_target,
            "lag_interval_seconds": 1.0,
        }
        return self.namespace.settings(settings_class, **{**values, **overrides})

    async def start(self, app_factory, settings) -> str:  # type: ignore[no-untyped-def]
        url: str = await self.stack.enter_async_context(serving(app_factory(settings), port=settings.port))
        self.urls.setdefault(settings.service_name, url)
        return url


@contextlib.asynccontextmanager
async def running_system(
    namespace: Namespace,
    *,
    gateway: dict[str, object] | None = None,
    users: dict[str, object] | None = None,
    forums_replicas: int = 0,
) -> AsyncIterator[System]:
    """The gateway, users and reviews (and forums replicas), with settings changed as given."""
    async with contextlib.AsyncExitStack() as stack:
        probe = System("", httpx.AsyncClient(), "", namespace, stack)
        gateway_settings = probe.gateway_settings(**(gateway or {}))
        gateway_app = create_gateway(gateway_settings)
        gateway_url = await stack.enter_async_context(
            serving(gateway_app, head_limits=gateway_settings.head_limits())
        )
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=gateway_url, timeout=30))
        system = System(
            gateway_url, client, f"127.0.0.1:{gateway_settings.grpc_port}", namespace, stack, gateway_app
        )
        await system.start(
            create_users, system.service_settings(UsersSettings, grpc_port=free_port(), **(users or {}))
        )
        await system.start(
            create_reviews, system.service_settings(ReviewsSettings, load_starter_catalog=False)
        )
        for _ in range(forums_replicas):
            await system.start(create_forums, forums_settings(system))
        # Ready when the gateway routes to every replica (they register over gRPC as they start).
        await eventually(lambda: system.instances("forums"), lambda known: len(known) == forums_replicas)
        yield system


@pytest.fixture
async def system_without_forums(namespace: Namespace) -> AsyncIterator[System]:
    """The gateway, users and reviews; a test adds forums replicas its own way."""
    async with running_system(namespace) as system:
        yield system


SHARED_SERVICES = {"users": 1, "reviews": 1, "forums": 2}
# The gateway's limits raised, for tests whose many requests all come from one address.
UNLIMITED_REQUESTS = {"requests_per_minute_per_address": 1_000_000, "requests_per_minute_per_user": 1_000_000}


@pytest.fixture(scope="module")
async def shared_system(module_namespace: Namespace) -> AsyncIterator[System]:
    """A whole system for the tests of one module that only call the public API with names of
    their own (as they would a deployed gateway), limits raised; it starts once the gateway
    routes to every service and they answer.

    Not one for the whole session: a test elsewhere that blocks the event loop (a
    synchronous subprocess) would starve in-process services it does not own, and the
    next test would find them refusing."""
    async with running_system(module_namespace, gateway=UNLIMITED_REQUESTS, forums_replicas=2) as system:

        async def routed() -> dict[str, int]:
            return {service: len(await system.instances(service)) for service in SHARED_SERVICES}

        async def answering() -> tuple[int, int]:
            incomplete = await system.gateway.post("/api/users/auth/signup", json={"username": "nobody"})
            catalog = await system.gateway.get("/api/music/albums", params={"limit": 1})
            return incomplete.status_code, catalog.status_code

        await eventually(routed, lambda counts: counts == SHARED_SERVICES)
        await eventually(answering, lambda statuses: statuses == (422, 200), timeout=60)
        yield system


@pytest.fixture
async def system(namespace: Namespace) -> AsyncIterator[System]:
    async with running_system(namespace, forums_replicas=2) as system:
        yield system


def forums_settings(system: System, **overrides: object) -> ForumsSettings:
    settings: ForumsSettings = system.service_settings(
        ForumsSettings, presence_heartbeat_seconds=0.5, presence_ttl_seconds=3, **overrides
    )
    return settings


EXTERNAL_GATEWAY = "CHORUS_E2E_GATEWAY_URL"


@dataclass(frozen=True)
class Edge:
    """The gateway under test; ``unique`` keeps names apart on a system that outlives a test."""

    url: str
    unique: str

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30)

    def name(self, base: str) -> str:
        return f"{base}{self.unique}"

    @property
    def websocket_url(self) -> str:
        return self.url.replace("http", "ws", 1)


def external_gateway() -> str | None:
    return os.environ.get(EXTERNAL_GATEWAY) or None


@pytest.fixture
def edge(request: pytest.FixtureRequest) -> Iterator[Edge]:
    if (url := external_gateway()) is not None:
        yield Edge(url.rstrip("/"), uuid4().hex[:6])
    else:
        system: System = request.getfixturevalue("shared_system")
        yield Edge(system.gateway_url, uuid4().hex[:6])
