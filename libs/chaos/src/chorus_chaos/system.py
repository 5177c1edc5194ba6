"""The whole system as `./dev up` runs it, on ports of its own and with three Kafka brokers.

Every part is a process of its own, so each can be killed (SIGKILL, as in a crash) and
started again on the same port with the same data.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from chorus_backbone.settings import ServiceSettings
from chorus_devinfra.process import free_port
from chorus_devinfra.services import SERVICES, ServiceSpec, service_process, start_services, wait_until_ready
from chorus_devinfra.settings import InfraSettings
from chorus_devinfra.stack import Stack, StackPorts

KAFKA_BROKERS = 3
SERVICE_START_SECONDS = 90.0

# Limits that protect production from one abusive client would only refuse the load here
# (every load client shares one address).
RAISED_LIMITS = {
    "CHORUS_GATEWAY_REQUESTS_PER_MINUTE_PER_ADDRESS": "100000000",
    "CHORUS_GATEWAY_REQUESTS_PER_MINUTE_PER_USER": "100000000",
}

Settings = TypeVar("Settings", bound=ServiceSettings)


@dataclass(frozen=True)
class Part:
    """Something that can crash: how to kill it and how to bring it back."""

    name: str
    kill: Callable[[], None]
    start: Callable[[], None]


class ChaosSystem:
    def __init__(self, state_dir: Path) -> None:
        ports = {name: free_port() for name in InfraSettings.model_fields if name.endswith("_port")}
        self.settings = InfraSettings.model_validate({"data_dir": state_dir, **ports})
        self.stack = Stack(
            state_dir,
            StackPorts(
                kafka=[free_port() for _ in range(KAFKA_BROKERS)],
                kafka_controller=[free_port() for _ in range(KAFKA_BROKERS)],
                mongo={store: getattr(self.settings, f"mongo_{store}_port") for store in _stores()},
                redis=self.settings.redis_port,
            ),
        )

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

    async def start(self) -> None:
        await asyncio.to_thread(self.stack.start)
        await asyncio.to_thread(start_services, self.stack, self.settings, RAISED_LIMITS)

    async def stop(self) -> None:
        """Everything at once: the data of a chaos run is thrown away."""
        for part in self.parts().values():
            await asyncio.to_thread(part.kill)

    def parts(self) -> dict[str, Part]:
        """Every part by name: one Kafka broker, each service, each MongoDB-wire server, Redis."""
        broker = self.stack.kafka.process(self.stack.kafka.nodes[1])
        parts = [Part("kafka broker", broker.kill, lambda: broker.start(timeout=SERVICE_START_SECONDS))]
        parts += [self._service_part(spec) for spec in SERVICES]
        parts += [
            Part(f"mongo-{store}", server.kill, server.start) for store, server in self.stack.mongo.items()
        ]
        parts.append(Part("redis", self.stack.redis.kill, self.stack.redis.start))
        return {part.name: part for part in parts}

    def _service_part(self, spec: ServiceSpec) -> Part:
        process = service_process(spec, self.stack, self.settings, RAISED_LIMITS)

        def start() -> None:
            process.start(timeout=SERVICE_START_SECONDS)
            wait_until_ready(f"http://127.0.0.1:{process.port}/readyz", timeout=SERVICE_START_SECONDS)

        return Part(spec.name, process.kill, start)

    def service_settings(self, settings_class: type[Settings], store: str) -> Settings:
        """A service's settings pointing at this system's parts (for reading its data and topics)."""
        return settings_class(
            mongodb_url=self.stack.mongo_url(store),
            kafka_bootstrap=self.stack.kafka_bootstrap,
            redis_url=self.stack.redis_url,
        )


def _stores() -> list[str]:
    return sorted({spec.store for spec in SERVICES if spec.store is not None})
