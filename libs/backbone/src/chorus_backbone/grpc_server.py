"""A gRPC aio server with the standard health service, started inside the serving event loop."""

from collections.abc import Callable, Sequence

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

AddServicers = Callable[[grpc.aio.Server], None]


class HealthyGrpcServer:
    """Built in start(): a gRPC aio server belongs to the event loop that creates it."""

    def __init__(self, add_servicers: AddServicers, *, host: str, port: int, services: Sequence[str]) -> None:
        self.add_servicers = add_servicers
        self.host = host
        self.requested_port = port
        self.services = services
        self.server: grpc.aio.Server | None = None
        self.health = health.aio.HealthServicer()
        self.port: int | None = None

    async def start(self) -> None:
        self.server = grpc.aio.server()
        self.add_servicers(self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.port = self.server.add_insecure_port(f"{self.host}:{self.requested_port}")
        await self.server.start()
        for name in ("", *self.services):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self) -> None:
        if self.server is None:
            return
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace=2)
        self.server = None
