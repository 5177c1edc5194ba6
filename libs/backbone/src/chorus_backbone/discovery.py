"""Registration of a service instance with the gateway's registry, over gRPC.

An instance registers at start, renews its lease with heartbeats, and deregisters
on shutdown; one that dies simply stops renewing and is dropped.
"""

import asyncio
import contextlib
import logging
import socket
from uuid import uuid4

import grpc

from chorus_schemas.grpc import discovery_pb2, discovery_pb2_grpc

logger = logging.getLogger(__name__)


class RegistryClient:
    def __init__(self, target: str, *, service: str, http_url: str, grpc_target: str = "") -> None:
        self.target = target
        self.instance = discovery_pb2.Instance(
            service=service,
            instance_id=f"{service}-{socket.gethostname()}-{uuid4().hex[:8]}",
            http_url=http_url,
            grpc_target=grpc_target,
        )
        self._channel: grpc.aio.Channel | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def _stub(self) -> discovery_pb2_grpc.RegistryStub:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self.target)
        return discovery_pb2_grpc.RegistryStub(self._channel)

    async def _register(self) -> float:
        """Register; returns how often to heartbeat (a third of the lease)."""
        response = await self._stub.Register(discovery_pb2.RegisterRequest(instance=self.instance), timeout=5)
        return max(0.5, float(response.lease_seconds) / 3)

    async def _heartbeat(self) -> bool:
        """Renew the lease; False when the registry has forgotten this instance."""
        request = discovery_pb2.HeartbeatRequest(
            service=self.instance.service, instance_id=self.instance.instance_id
        )
        return bool((await self._stub.Heartbeat(request, timeout=5)).known)

    async def _keep_alive(self) -> None:
        registered, interval = False, 1.0
        while True:
            try:
                if not registered:
                    interval, registered = await self._register(), True
                elif not await self._heartbeat():
                    registered = False
                    continue
            except grpc.aio.AioRpcError as error:
                logger.warning("registry at %s unreachable (%s); retrying", self.target, error.code())
                registered, interval = False, 1.0
            await asyncio.sleep(interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._keep_alive(), name="registry-heartbeat")

    async def stop(self) -> None:
        """Deregister; a second call (drain, then the lifespan's end) does nothing."""
        if self._stopped:
            return
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(grpc.aio.AioRpcError):
            request = discovery_pb2.DeregisterRequest(
                service=self.instance.service, instance_id=self.instance.instance_id
            )
            await self._stub.Deregister(request, timeout=2)
        if self._channel is not None:
            await self._channel.close()
