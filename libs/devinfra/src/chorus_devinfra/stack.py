"""The whole set of parts for one environment: Kafka, MongoDB-wire servers, Redis."""

from dataclasses import dataclass, field
from pathlib import Path

from chorus_devinfra.kafka import KafkaCluster, KafkaNode
from chorus_devinfra.mongo import mongo_process, mongo_url
from chorus_devinfra.process import ManagedProcess
from chorus_devinfra.redis import redis_process


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
