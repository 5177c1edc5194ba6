import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.serving import serving
from forums.api.app import create_app
from forums.settings import ForumsSettings
from forums.testing import ForumsApi


@pytest.fixture
def forums_settings(namespace: Namespace) -> ForumsSettings:
    return namespace.settings(
        ForumsSettings,
        presence_ttl_seconds=3.0,
        presence_heartbeat_seconds=0.5,
        consumer_max_attempts=2,
        consumer_backoff_initial_seconds=0.01,
        consumer_backoff_max_seconds=0.05,
    )


@pytest.fixture
async def forums_api(forums_settings: ForumsSettings) -> AsyncIterator[ForumsApi]:
    """Two replicas of the forums service on the same MongoDB, Kafka and Redis."""
    async with contextlib.AsyncExitStack() as stack:
        urls = [await stack.enter_async_context(serving(create_app(forums_settings))) for _ in range(2)]
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30)) for url in urls
        ]
        yield ForumsApi(clients, urls, forums_settings)
