"""Composition root: builds the gateway's parts from settings."""

from dataclasses import dataclass

import httpx
from redis.asyncio import Redis

from chorus_backbone.auth import TokenCodec
from chorus_backbone.grpc_server import HealthyGrpcServer
from chorus_backbone.redis_pool import waiting_redis
from gateway.docs.openapi import MergedOpenApi
from gateway.edge.limits import EdgeLimiter
from gateway.settings import GatewaySettings
from gateway.upstreams.forwarder import Forwarder
from gateway.upstreams.pool import UpstreamPool
from gateway.upstreams.registry import RegistryStore, registry_server


@dataclass
class GatewayParts:
    """Everything the gateway's routes use, built once per process."""

    settings: GatewaySettings
    redis: Redis
    http: httpx.AsyncClient
    pool: UpstreamPool
    forwarder: Forwarder
    limiter: EdgeLimiter
    tokens: TokenCodec
    registry: HealthyGrpcServer
    openapi: MergedOpenApi

    async def close(self) -> None:
        await self.http.aclose()
        await self.redis.aclose()


def bootstrap(settings: GatewaySettings) -> GatewayParts:
    redis = waiting_redis(settings.redis_url, settings.redis_max_connections, settings.redis_wait_seconds)
    prefix = f"{settings.redis_key_prefix}gateway:"
    store = RegistryStore(redis, prefix=prefix, lease_seconds=settings.registry_lease_seconds)
    pool = UpstreamPool(
        store, settings.static_upstreams(), pause_seconds=settings.failed_instance_pause_seconds
    )
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(
            settings.upstream_timeout_seconds, connect=settings.upstream_connect_timeout_seconds
        ),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
    )
    return GatewayParts(
        settings=settings,
        redis=redis,
        http=http,
        pool=pool,
        forwarder=Forwarder(http, pool),
        limiter=EdgeLimiter(
            redis,
            settings.redis_url,
            prefix=prefix,
            per_address=settings.requests_per_minute_per_address,
            per_user=settings.requests_per_minute_per_user,
        ),
        tokens=TokenCodec(settings.token_keys()),
        registry=registry_server(store, settings.grpc_port, settings.host),
        openapi=MergedOpenApi(
            http, pool, own={"openapi": "3.1.0", "info": {"version": "0.1.0"}, "paths": {}}
        ),
    )
