"""Composition root: builds the gateway's parts from settings."""

from dataclasses import dataclass, field

import aiohttp
from redis.asyncio import Redis

from chorus_backbone.auth import TokenCodec
from chorus_backbone.grpc_server import HealthyGrpcServer
from chorus_backbone.redis_pool import waiting_redis
from gateway.docs.openapi import MergedOpenApi
from gateway.edge.hot_path import ApiEdge
from gateway.edge.limits import EdgeLimiter
from gateway.edge.tokens import TokenCache
from gateway.settings import GatewaySettings
from gateway.upstreams.connections import UpstreamConnections
from gateway.upstreams.forwarder import Forwarder
from gateway.upstreams.lobby_proxy import LobbyRelay
from gateway.upstreams.pool import UpstreamPool
from gateway.upstreams.registry import RegistryStore, registry_server

# An idle pooled connection (the edge's and aiohttp's) is dropped before the service's own
# idle timeout (uvicorn's keep-alive, 5 s) closes it: a request sent on a connection the
# service is closing fails, and one that is not idempotent cannot be tried again elsewhere
# (a 503 for the client).
UPSTREAM_KEEPALIVE_SECONDS = 4.0


@dataclass
class GatewayParts:
    """Everything the gateway's routes use, built once per process; ``start`` opens the upstream client."""

    settings: GatewaySettings
    redis: Redis
    pool: UpstreamPool
    limiter: EdgeLimiter
    token_cache: TokenCache
    registry: HealthyGrpcServer
    upstreams: UpstreamConnections = field(init=False)
    forwarder: Forwarder = field(init=False)
    openapi: MergedOpenApi = field(init=False)
    edge: ApiEdge = field(init=False)
    lobby: LobbyRelay = field(init=False)
    http: aiohttp.ClientSession = field(init=False)

    def __post_init__(self) -> None:
        self.lobby = LobbyRelay(self.token_cache, self.limiter, self.pool)

    async def start(self) -> None:
        settings = self.settings
        # aiohttp's client (the gateway's own calls: documents, readiness) belongs to the running
        # loop, so it is made here and not in bootstrap; proxied requests use ``upstreams``.
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=settings.upstream_connections,
                limit_per_host=settings.upstream_connections,
                keepalive_timeout=UPSTREAM_KEEPALIVE_SECONDS,
            ),
            timeout=aiohttp.ClientTimeout(
                total=settings.upstream_timeout_seconds,
                sock_connect=settings.upstream_connect_timeout_seconds,
            ),
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        )
        self.upstreams = UpstreamConnections(
            per_instance=settings.upstream_connections,
            keepalive_seconds=UPSTREAM_KEEPALIVE_SECONDS,
            connect_seconds=settings.upstream_connect_timeout_seconds,
            timeout_seconds=settings.upstream_timeout_seconds,
        )
        self.forwarder = Forwarder(self.upstreams, self.pool)
        self.openapi = MergedOpenApi(
            self.http, self.pool, own={"openapi": "3.1.0", "info": {"version": "0.1.0"}, "paths": {}}
        )
        self.edge = ApiEdge(
            self.token_cache,
            self.limiter,
            self.forwarder,
            max_body_bytes=settings.max_body_bytes,
            body_seconds=settings.request_body_seconds,
        )
        self.pool.start()
        self.limiter.start()
        await self.registry.start()

    async def stop(self) -> None:
        # The background tasks first: nothing of this gateway may go on running once it has stopped.
        await self.limiter.stop()
        await self.pool.stop()
        try:
            await self.registry.stop()
        finally:
            self.upstreams.close()
            await self.http.close()
            await self.redis.aclose()


def bootstrap(settings: GatewaySettings) -> GatewayParts:
    redis = waiting_redis(settings.redis_url, settings.redis_max_connections, settings.redis_wait_seconds)
    prefix = f"{settings.redis_key_prefix}gateway:"
    store = RegistryStore(redis, prefix=prefix, lease_seconds=settings.registry_lease_seconds)
    return GatewayParts(
        settings=settings,
        redis=redis,
        pool=UpstreamPool(
            store, settings.static_upstreams(), pause_seconds=settings.failed_instance_pause_seconds
        ),
        limiter=EdgeLimiter(
            redis,
            prefix=prefix,
            per_address=settings.requests_per_minute_per_address,
            per_user=settings.requests_per_minute_per_user,
            sync_seconds=settings.limits_sync_seconds,
        ),
        token_cache=TokenCache(TokenCodec(settings.token_keys()), capacity=settings.token_cache_size),
        registry=registry_server(store, settings.grpc_port, settings.host),
    )
