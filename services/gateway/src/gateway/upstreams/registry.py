"""The service registry: instances register over gRPC and are kept while they heartbeat.

Entries live in Redis with a lease, so several gateway replicas share one view.
"""

import time

import grpc
import orjson
from redis.asyncio import Redis

from chorus_backbone.grpc_server import HealthyGrpcServer
from chorus_schemas.grpc import discovery_pb2, discovery_pb2_grpc


class RegistryStore:
    def __init__(self, redis: Redis, *, prefix: str, lease_seconds: int) -> None:
        self.redis = redis
        self.prefix = f"{prefix}registry:"
        self.lease = lease_seconds

    def _key(self, service: str) -> str:
        return f"{self.prefix}{service}"

    async def put(self, instance: discovery_pb2.Instance) -> None:
        entry = {
            "http_url": instance.http_url,
            "grpc_target": instance.grpc_target,
            "expires": time.time() + self.lease,
        }
        await self.redis.hset(self._key(instance.service), instance.instance_id, orjson.dumps(entry))

    async def renew(self, service: str, instance_id: str) -> bool:
        raw = await self.redis.hget(self._key(service), instance_id)
        if raw is None:
            return False
        entry = orjson.loads(raw)
        if entry["expires"] < time.time():
            await self.redis.hdel(self._key(service), instance_id)
            return False
        entry["expires"] = time.time() + self.lease
        await self.redis.hset(self._key(service), instance_id, orjson.dumps(entry))
        return True

    async def remove(self, service: str, instance_id: str) -> None:
        await self.redis.hdel(self._key(service), instance_id)

    async def live(self, service: str) -> dict[str, str]:
        """instance id → base URL of the instances whose lease runs."""
        now = time.time()
        found: dict[str, str] = {}
        for instance_id, raw in (await self.redis.hgetall(self._key(service))).items():
            entry = orjson.loads(raw)
            if entry["expires"] >= now:
                key = instance_id.decode() if isinstance(instance_id, bytes) else str(instance_id)
                found[key] = entry["http_url"]
        return found


class RegistryServicer(discovery_pb2_grpc.RegistryServicer):
    def __init__(self, store: RegistryStore) -> None:
        self.store = store

    async def Register(  # noqa: N802  (gRPC method names)
        self, request: discovery_pb2.RegisterRequest, context: grpc.aio.ServicerContext
    ) -> discovery_pb2.RegisterResponse:
        if not request.instance.service or not request.instance.http_url.startswith("http"):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "service and http_url are required")
        await self.store.put(request.instance)
        return discovery_pb2.RegisterResponse(lease_seconds=self.store.lease)

    async def Heartbeat(  # noqa: N802
        self, request: discovery_pb2.HeartbeatRequest, context: grpc.aio.ServicerContext
    ) -> discovery_pb2.HeartbeatResponse:
        return discovery_pb2.HeartbeatResponse(
            known=await self.store.renew(request.service, request.instance_id)
        )

    async def Deregister(  # noqa: N802
        self, request: discovery_pb2.DeregisterRequest, context: grpc.aio.ServicerContext
    ) -> discovery_pb2.DeregisterResponse:
        await self.store.remove(request.service, request.instance_id)
        return discovery_pb2.DeregisterResponse()

    async def ListInstances(  # noqa: N802
        self, request: discovery_pb2.ListInstancesRequest, context: grpc.aio.ServicerContext
    ) -> discovery_pb2.ListInstancesResponse:
        services = [request.service] if request.service else ["users", "reviews", "forums"]
        instances = [
            discovery_pb2.Instance(service=service, instance_id=instance_id, http_url=url)
            for service in services
            for instance_id, url in (await self.store.live(service)).items()
        ]
        return discovery_pb2.ListInstancesResponse(instances=instances)


def registry_server(store: RegistryStore, port: int, host: str = "127.0.0.1") -> HealthyGrpcServer:
    def add(server: grpc.aio.Server) -> None:
        discovery_pb2_grpc.add_RegistryServicer_to_server(RegistryServicer(store), server)

    return HealthyGrpcServer(add, host=host, port=port, services=["chorus.discovery.v1.Registry"])
