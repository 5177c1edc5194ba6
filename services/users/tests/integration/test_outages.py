"""A part going away and coming back: clear 503s meanwhile, service as usual after."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from chorus_devinfra.probes import eventually
from chorus_devinfra.process import ManagedProcess, free_port
from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.redis import redis_process
from chorus_devinfra.serving import serving
from users.api.app import create_app
from users.settings import UsersSettings
from users.testing import PASSWORD, UsersApi

pytestmark = pytest.mark.integration


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[ManagedProcess]:
    process = redis_process("redis-own", free_port(), tmp_path)
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def api(namespace: Namespace, own_redis: ManagedProcess) -> AsyncIterator[UsersApi]:
    settings = namespace.settings(
        UsersSettings, grpc_port=free_port(), redis_url=f"redis://127.0.0.1:{own_redis.port}/0"
    )
    async with (
        serving(create_app(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=20) as client,
    ):
        yield UsersApi(client, settings)


async def test_sign_in_answers_503_while_redis_is_down_and_works_once_it_is_back(
    api: UsersApi, own_redis: ManagedProcess
) -> None:
    await api.signup("ada")

    own_redis.stop()
    during = await api.signin("ada")
    own_redis.start()
    after = await eventually(lambda: api.signin("ada", PASSWORD), lambda r: r.status_code == 200)

    assert during.status_code == 503
    assert during.json()["error"]["code"] == "unavailable"
    assert "retry-after" in during.headers
    assert "auth_token" in after.json()
