from collections.abc import AsyncIterator

import httpx
import pytest

from chorus_devinfra.process import free_port
from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.serving import serving
from users.api.app import create_app
from users.settings import UsersSettings
from users.testing import UsersApi


@pytest.fixture
def users_settings(namespace: Namespace) -> UsersSettings:
    return namespace.settings(
        UsersSettings,
        grpc_port=free_port(),
        signin_failures_per_account=3,
        signin_failures_per_address=8,
        signin_failure_window_seconds=60,
    )


@pytest.fixture
async def users_api(users_settings: UsersSettings) -> AsyncIterator[UsersApi]:
    app = create_app(users_settings)
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=20) as client:
        yield UsersApi(client, users_settings)
