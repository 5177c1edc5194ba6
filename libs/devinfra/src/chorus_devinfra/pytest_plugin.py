"""Pytest fixtures: the real parts, started once per session on free ports, and
per-test namespaces (database, topic prefix, Redis key prefix) so tests never share state.

Loaded for the whole workspace through ``-p chorus_devinfra.pytest_plugin``.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import pytest

from chorus_devinfra.process import free_port
from chorus_devinfra.stack import Stack, StackPorts

TEST_STORE = "test"


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Kafka, a MongoDB-wire server and Redis as real processes, for the whole session."""
    ports = StackPorts(
        kafka=[free_port()],
        kafka_controller=[free_port()],
        mongo={TEST_STORE: free_port()},
        redis=free_port(),
    )
    stack = Stack(Path(tmp_path_factory.mktemp("infra")), ports)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@dataclass(frozen=True)
class Namespace:
    """Names that belong to one test only."""

    token: str
    kafka_bootstrap: str
    mongo_url: str
    redis_url: str

    @property
    def database(self) -> str:
        return f"t_{self.token}"

    @property
    def topic_prefix(self) -> str:
        return f"t{self.token}."

    @property
    def redis_prefix(self) -> str:
        return f"t:{self.token}:"

    def group(self, name: str) -> str:
        return f"t{self.token}.{name}"


@pytest.fixture
def namespace(infra: Stack, request: pytest.FixtureRequest) -> Namespace:
    slug = re.sub(r"[^a-z0-9]", "", request.node.name.lower())[:20]
    return Namespace(
        token=f"{slug}_{uuid4().hex[:8]}",
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_url=infra.mongo_url(TEST_STORE),
        redis_url=infra.redis_url,
    )
