"""The whole system as `./dev up` runs it (its own command), on ports of its own, three Kafka brokers.

Every part is a process of its own, so each can be killed (SIGKILL, as in a crash) and
started again on the same port with the same data.
"""

import asyncio
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from chorus_backbone.settings import ServiceSettings
from chorus_devinfra.process import StartError, free_port, port_open
from chorus_devinfra.services import SERVICES, ServiceSpec, service_process, wait_until_ready
from chorus_devinfra.settings import InfraSettings
from chorus_devinfra.stack import KAFKA_PORT_STEP, infra_stack

KAFKA_BROKERS = 3
SERVICE_START_SECONDS = 90.0
INFRA_COMMAND_SECONDS = 300.0

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
    """Brought up and down by `chorus-infra` itself (`./dev up`'s command), parts killed from here."""

    def __init__(self, state_dir: Path) -> None:
        ports: dict[str, object] = {
            name: free_port() for name in InfraSettings.model_fields if name.endswith("_port")
        }
        ports["kafka_port"], ports["kafka_controller_port"] = _spaced_ports(), _spaced_ports()
        self.settings = InfraSettings.model_validate({"data_dir": state_dir, **ports})
        self.stack = infra_stack(self.settings, KAFKA_BROKERS)

    def _environment(self) -> dict[str, str]:
        """`chorus-infra` reads its ports from the environment and passes it on to the services."""
        settings = {
            f"CHORUS_INFRA_{name.upper()}": str(value) for name, value in self.settings.model_dump().items()
        }
        return {**os.environ, **settings, **RAISED_LIMITS}

    async def infra(self, action: str) -> tuple[int, str]:
        """Run `chorus-infra <action>` for this system; its exit code and output."""
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "chorus-infra"),
            action,
            "--kafka-nodes",
            str(KAFKA_BROKERS),
            env=self._environment(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), INFRA_COMMAND_SECONDS)
        assert process.returncode is not None
        return process.returncode, output.decode()

    async def start(self) -> None:
        code, output = await self.infra("up")
        if code != 0:
            await self.infra("down")
            raise StartError(f"chorus-infra up failed:\n{output[-3000:]}")

    async def stop(self) -> None:
        await self.infra("down")

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

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


def _spaced_ports() -> int:
    """A free port P with P + 10 and P + 20 free too (the other brokers' ports)."""
    while True:
        port = free_port()
        if not any(port_open(port + KAFKA_PORT_STEP * n) for n in range(1, KAFKA_BROKERS)):
            return port
