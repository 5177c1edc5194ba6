import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.serving import serving
from forums.api.app import create_app
from forums.settings import ForumsSettings
from forums.testing import ForumsApi


@dataclass
class ToolRun:
    status: int
    stdout: str
    stderr: str


ToolRunner = Callable[..., Awaitable[ToolRun]]


@pytest.fixture
def chorus(namespace: Namespace) -> ToolRunner:
    """Runs the installed `chorus` command against this test's Kafka and topic namespace."""

    async def run(*args: str, env: dict[str, str] | None = None, timeout: float = 90) -> ToolRun:
        environment = {
            **os.environ,
            "CHORUS_KAFKA_BOOTSTRAP": namespace.kafka_bootstrap,
            "CHORUS_TOPIC_PREFIX": namespace.topic_prefix,
            "COLUMNS": "200",
            **(env or {}),
        }
        process = await asyncio.create_subprocess_exec(
            "chorus", *args, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
        assert process.returncode is not None
        return ToolRun(process.returncode, stdout.decode(), stderr.decode())

    return run


@pytest.fixture
def forums_settings(namespace: Namespace) -> ForumsSettings:
    return namespace.settings(ForumsSettings, consumer_max_attempts=2, consumer_backoff_max_seconds=0.05)


@pytest.fixture
async def forums(forums_settings: ForumsSettings) -> AsyncIterator[ForumsApi]:
    """One live forums service whose projection a replay rebuilds."""
    async with (
        serving(create_app(forums_settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        yield ForumsApi([client], [url], forums_settings)


@pytest.fixture
def service_env(forums_settings: ForumsSettings) -> dict[str, str]:
    """The forums service's own environment, which `chorus replay forums` reads its settings from."""
    prefix = str(forums_settings.model_config.get("env_prefix", ""))
    names = [
        "kafka_bootstrap",
        "mongodb_url",
        "mongodb_database",
        "redis_url",
        "redis_key_prefix",
        "topic_prefix",
        "consumer_group_prefix",
    ]
    return {f"{prefix}{name}".upper(): str(getattr(forums_settings, name)) for name in names}
