"""The same parts as official container images, through testcontainers, where an engine exists.

Chosen with CHORUS_TEST_PARTS=containers (native processes are the default). On a
machine without a Docker-compatible engine this path is skipped, never imitated.
CHORUS_KAFKA_IMAGE, CHORUS_MONGO_IMAGE and CHORUS_REDIS_IMAGE pick other images of the
same servers (deploy/podman/test-containers.sh uses the locally built stand-ins).
"""

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from chorus_devinfra.process import free_port

KAFKA_IMAGE = os.environ.get("CHORUS_KAFKA_IMAGE", "apache/kafka:4.1.1")
MONGO_IMAGE = os.environ.get("CHORUS_MONGO_IMAGE", "mongo:7.0")
REDIS_IMAGE = os.environ.get("CHORUS_REDIS_IMAGE", "redis:7.2")


def engine_unavailable_reason() -> str | None:
    """Why containers cannot run here, or None when an engine answers."""
    docker_host = os.environ.get("DOCKER_HOST", "")
    if not docker_host and not Path("/var/run/docker.sock").exists():
        return "no Docker-compatible engine: DOCKER_HOST is unset and /var/run/docker.sock is absent"
    import docker  # noqa: PLC0415  (only needed on the container path)

    try:
        client = docker.from_env(timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return f"the engine at {docker_host or '/var/run/docker.sock'} does not answer ({exc!r})"
    return None


class ContainerStack:
    """Kafka (KRaft), a one-node MongoDB replica set and Redis, in containers."""

    def __init__(self) -> None:
        from testcontainers.core.container import DockerContainer  # noqa: PLC0415

        self.kafka_port, self.mongo_port, self.redis_port = free_port(), free_port(), free_port()
        self.kafka = (
            DockerContainer(KAFKA_IMAGE)
            .with_bind_ports(9092, self.kafka_port)
            .with_env("KAFKA_NODE_ID", "1")
            .with_env("KAFKA_PROCESS_ROLES", "broker,controller")
            .with_env("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093")
            .with_env("KAFKA_ADVERTISED_LISTENERS", f"PLAINTEXT://127.0.0.1:{self.kafka_port}")
            .with_env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
            .with_env("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
            .with_env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
            .with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
            .with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
            .with_env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
        )
        self.mongo = (
            DockerContainer(MONGO_IMAGE)
            .with_bind_ports(27017, self.mongo_port)
            .with_command("--replSet rs0 --bind_ip_all")
        )
        self.redis = DockerContainer(REDIS_IMAGE).with_bind_ports(6379, self.redis_port)

    def start(self) -> None:
        for container in (self.kafka, self.mongo, self.redis):
            container.start()
        self._initiate_replica_set()
        self._wait_for_kafka()

    def _wait_for_kafka(self, timeout: float = 120.0) -> None:
        """A started container is not a broker yet (the JVM starts, storage is formatted)."""

        async def metadata() -> None:
            from aiokafka.admin import AIOKafkaAdminClient  # noqa: PLC0415

            admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka_bootstrap, request_timeout_ms=3000)
            await admin.start()
            await admin.close()

        deadline = time.monotonic() + timeout
        while True:
            try:
                asyncio.run(metadata())
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def _initiate_replica_set(self, timeout: float = 60.0) -> None:
        """Transactions need a replica set; one member is enough."""
        deadline = time.monotonic() + timeout
        client: MongoClient[dict[str, object]] = MongoClient(
            f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true",
            serverSelectionTimeoutMS=2_000,
        )
        try:
            while True:
                try:
                    if client.admin.command("hello").get("setName"):
                        return  # a server that already is a replica set (the MongoDB-wire stand-in)
                    client.admin.command(
                        "replSetInitiate",
                        {"_id": "rs0", "members": [{"_id": 0, "host": "127.0.0.1:27017"}]},
                    )
                    return
                except PyMongoError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
        finally:
            client.close()

    def stop(self) -> None:
        for container in (self.kafka, self.mongo, self.redis):
            container.stop()

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def mongo_url(self, store: str) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"


def running_containers(skip: Callable[[str], None]) -> Iterator[ContainerStack]:
    """Start the container parts for a fixture, or ``skip`` with the reason they cannot run here."""
    reason = engine_unavailable_reason()
    if reason is not None:
        skip(f"the container path needs a Docker-compatible engine: {reason}")
    stack = ContainerStack()
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
