"""The whole set of parts for one environment: Kafka, MongoDB-wire servers, Redis."""

from dataclasses import dataclass, field
from pathlib import Path

from chorus_devinfra.kafka import KafkaCluster, KafkaNode
from chorus_devinfra.mongo import mongo_process, mongo_url
from chorus_devinfra.process import ManagedProcess
from chorus_devinfra.redis import redis_process
from chorus_devinfra.settings import InfraSettings

# Brokers after the first listen this far apart from each other, from the first's ports.
KAFKA_PORT_STEP = 10


@dataclass
class StackPorts:
    kafka: list[int] = field(default_factory=lambda: [9092])
    kafka_controller: list[int] = field(default_factory=lambda: [9093])
    mongo: dict[str, int] = field(
        default_factory=lambda: {"users": 27017, "reviews": 27018, "forums": 27019, "analytics": 27020}
    )
    redis: int = 6379


class Stack:
    def __init__(self, state_dir: Path, ports: StackPorts) -> None:
        self.state_dir = state_dir
        self.ports = ports
        self.kafka = KafkaCluster(
            state_dir / "kafka",
            [
                KafkaNode(index + 1, port, controller)
                for index, (port, controller) in enumerate(
                    zip(ports.kafka, ports.kafka_controller, strict=True)
                )
            ],
        )
        self.mongo = {
            store: mongo_process(f"mongo-{store}", port, state_dir) for store, port in ports.mongo.items()
        }
        self.redis = redis_process("redis", ports.redis, state_dir)

    def servers(self) -> list[ManagedProcess]:
        kafka = [self.kafka.process(node) for node in self.kafka.nodes]
        return [*kafka, *self.mongo.values(), self.redis]

    def start(self) -> None:
        for server in [*self.mongo.values(), self.redis]:
            server.launch()
        self.kafka.start()
        for server in [*self.mongo.values(), self.redis]:
            server.wait_ready()

    def stop(self) -> None:
        for server in [*self.mongo.values(), self.redis]:
            server.stop()
        self.kafka.stop()

    def mongo_url(self, store: str) -> str:
        return mongo_url(self.ports.mongo[store])

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports.redis}/0"

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka.bootstrap


def infra_stack(settings: InfraSettings, kafka_nodes: int) -> Stack:
    """The parts `chorus-infra` runs, on the ports ``settings`` name."""
    ports = StackPorts(
        kafka=[settings.kafka_port + KAFKA_PORT_STEP * index for index in range(kafka_nodes)],
        kafka_controller=[
            settings.kafka_controller_port + KAFKA_PORT_STEP * index for index in range(kafka_nodes)
        ],
        mongo={
            "users": settings.mongo_users_port,
            "reviews": settings.mongo_reviews_port,
            "forums": settings.mongo_forums_port,
            "analytics": settings.mongo_analytics_port,
        },
        redis=settings.redis_port,
    )
    return Stack(settings.data_dir, ports)
