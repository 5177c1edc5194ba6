"""Pytest fixtures: the real parts, started once per session on free ports, and
per-test namespaces (database, topic prefix, Redis key prefix) so tests never share state.

Loaded for the whole workspace through ``-p chorus_devinfra.pytest_plugin``.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from uuid import uuid4

import pytest

from chorus_devinfra.containers import running_containers
from chorus_devinfra.process import free_port
from chorus_devinfra.stack import Stack, StackPorts

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from chorus_backbone.mongo import Database

TEST_STORE = "test"
S = TypeVar("S")


class Parts(Protocol):
    """What tests need to know of the running parts, however they were started."""

    @property
    def kafka_bootstrap(self) -> str: ...

    def mongo_url(self, store: str) -> str: ...

    @property
    def redis_url(self) -> str: ...


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parts]:
    """Kafka, a MongoDB-wire server and Redis, for the whole session.

    Native processes by default; official container images with
    CHORUS_TEST_PARTS=containers where a Docker-compatible engine exists.
    """
    if os.environ.get("CHORUS_TEST_PARTS", "native") == "containers":
        yield from running_containers(pytest.skip)
        return
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

    def settings(self, settings_class: type[S], **overrides: Any) -> S:
        """A service's settings pointed at this test's parts and namespace."""
        values: dict[str, Any] = {
            "kafka_bootstrap": self.kafka_bootstrap,
            "mongodb_url": self.mongo_url,
            "mongodb_database": f"{self.database}_{settings_class.__name__.lower()}"[:60],
            "redis_url": self.redis_url,
            "redis_key_prefix": self.redis_prefix,
            "topic_prefix": self.topic_prefix,
            "consumer_group_prefix": self.topic_prefix,
            "outbox_poll_seconds": 0.05,
            # A Kafka consumer caught in a group rebalance when its service stops (two replicas
            # of one group stopping one after the other) is given up on after this, as after
            # 10 s in production; at 10 s per part a test's teardown could wait a minute.
            "shutdown_step_seconds": 3.0,
        }
        return settings_class(**{**values, **overrides})


def _namespace(infra: Parts, name: str) -> Namespace:
    slug = re.sub(r"[^a-z0-9]", "", name.lower())[:20]
    return Namespace(
        token=f"{slug}_{uuid4().hex[:8]}",
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_url=infra.mongo_url(TEST_STORE),
        redis_url=infra.redis_url,
    )


@pytest.fixture
def namespace(infra: Parts, request: pytest.FixtureRequest) -> Namespace:
    return _namespace(infra, request.node.name)


@pytest.fixture(scope="module")
def module_namespace(infra: Parts, request: pytest.FixtureRequest) -> Namespace:
    """Names that belong to one test module (for what its tests share)."""
    return _namespace(infra, request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
async def mongo_database(namespace: Namespace) -> AsyncIterator[Database]:
    """This test's own database on the MongoDB-wire server, dropped afterwards."""
    from chorus_backbone import mongo  # noqa: PLC0415  (the plugin loads before the workspace)

    client = mongo.connect(namespace.mongo_url, app_name="tests")
    yield client[namespace.database]
    await client.drop_database(namespace.database)
    await client.close()


@pytest.fixture
def finished_spans(span_exporter: InMemorySpanExporter) -> InMemorySpanExporter:
    """The spans finished during this test, in the SDK's own in-memory exporter."""
    span_exporter.clear()
    return span_exporter


@pytest.fixture(scope="session", autouse=True)
def span_exporter() -> InMemorySpanExporter:
    """Every span this test process finishes.

    OpenTelemetry allows one tracer provider per process, so all tests share this one;
    tests take ``finished_spans``, which starts empty. Set up before anything else, since
    an app instruments its requests only when tracing is on as it is built.
    """
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: PLC0415
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: PLC0415
        InMemorySpanExporter,
    )

    from chorus_backbone.tracing import configure_tracing  # noqa: PLC0415

    exporter = InMemorySpanExporter()
    configure_tracing("chorus-tests", otlp_endpoint=None, extra_processor=SimpleSpanProcessor(exporter))
    return exporter
