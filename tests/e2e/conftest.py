"""The whole system in one test process: the gateway, users, reviews and two forums replicas."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

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


@dataclass
class System:
    gateway_url: str
    gateway: httpx.AsyncClient
    registry_target: str
    namespace: Namespace
    stack: contextlib.AsyncExitStack

    def gateway_settings(self, **overrides: object) -> GatewaySettings:
        values: dict[str, object] = {
            "redis_url": self.namespace.redis_url,
            "redis_key_prefix": self.namespace.redis_prefix,
            "grpc_port": free_port(),
            "users_url": None,
            "reviews_url": None,
            "forums_urls": [],
            "registry_lease_seconds": 3,
            "failed_instance_pause_seconds": 1.0,
        }
        return GatewaySettings(**{**values, **overrides})  # type: ignore[arg-type]

    def service_settings(self, settings_class: type, **overrides: object):  # type: ignore[no-untyped-def]
        port = free_port()
        return self.namespace.settings(
            settings_class,
            port=port,
            advertised_url=f"http://127.0.0.1:{port}",
            registry_target=self.registry_target,
            lag_interval_seconds=1.0,
            **overrides,
        )

    async def start(self, app_factory, settings) -> str:  # type: ignore[no-untyped-def]
        return await self.stack.enter_async_context(serving(app_factory(settings), port=settings.port))


@pytest.fixture
async def system(namespace: Namespace) -> AsyncIterator[System]:
    async with contextlib.AsyncExitStack() as stack:
        probe = System("", httpx.AsyncClient(), "", namespace, stack)
        gateway_settings = probe.gateway_settings()
        gateway_url = await stack.enter_async_context(serving(create_gateway(gateway_settings)))
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=gateway_url, timeout=30))
        system = System(gateway_url, client, f"127.0.0.1:{gateway_settings.grpc_port}", namespace, stack)
        await system.start(create_users, system.service_settings(UsersSettings, grpc_port=free_port()))
        await system.start(
            create_reviews, system.service_settings(ReviewsSettings, load_starter_catalog=False)
        )
        for _ in range(2):
            await system.start(
                create_forums,
                system.service_settings(
                    ForumsSettings, presence_heartbeat_seconds=0.5, presence_ttl_seconds=3
                ),
            )
        yield system
