"""Every service starts against the real parts and reports ready; the gateway sees them."""

import contextlib

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

pytestmark = pytest.mark.integration


async def test_every_service_is_ready_and_the_gateway_reports_the_whole_system(
    namespace: Namespace,
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        users = await stack.enter_async_context(
            serving(create_users(namespace.settings(UsersSettings, grpc_port=free_port())))
        )
        reviews = await stack.enter_async_context(
            serving(create_reviews(namespace.settings(ReviewsSettings)))
        )
        forums = await stack.enter_async_context(serving(create_forums(namespace.settings(ForumsSettings))))
        gateway_settings = GatewaySettings(
            users_url=users,
            reviews_url=reviews,
            forums_urls=[forums],
            redis_url=namespace.redis_url,
            redis_key_prefix=namespace.redis_prefix,
            grpc_port=free_port(),
        )
        gateway = await stack.enter_async_context(serving(create_gateway(gateway_settings)))
        client = await stack.enter_async_context(httpx.AsyncClient())

        for url in (users, reviews, forums):
            response = await client.get(f"{url}/readyz")
            assert response.status_code == 200, response.text
        whole = await client.get(f"{gateway}/readyz")

    assert whole.status_code == 200
    assert whole.json()["checks"] == {"users": "ok", "reviews": "ok", "forums": "ok", "redis": "ok"}


async def test_the_gateway_is_not_ready_while_a_service_is_down(namespace: Namespace) -> None:
    async with serving(create_users(namespace.settings(UsersSettings, grpc_port=free_port()))) as users:
        settings = GatewaySettings(
            users_url=users,
            reviews_url="http://127.0.0.1:9",  # nothing listens there
            forums_urls=["http://127.0.0.1:9"],
            upstream_timeout_seconds=1.0,
            redis_url=namespace.redis_url,
            grpc_port=free_port(),
        )
        async with serving(create_gateway(settings)) as gateway, httpx.AsyncClient() as client:
            response = await client.get(f"{gateway}/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["users"] == "ok"
    assert response.json()["checks"]["reviews"] == "down"
