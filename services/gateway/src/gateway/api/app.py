"""The gateway: the one public entry to Chorus."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request, WebSocket
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from redis.asyncio import Redis
from starlette.responses import Response

from chorus_backbone.auth import TokenCodec
from chorus_backbone.body_limit import BodySizeLimitMiddleware
from chorus_backbone.correlation import CorrelationMiddleware
from chorus_backbone.errors import ChorusError, ErrorKind, install_error_handlers
from chorus_backbone.health import Check, health_router
from chorus_backbone.logs import configure_logging
from chorus_backbone.observability import instrument
from gateway.edge import EdgeLimiter, presented_token, verify_user
from gateway.event_docs import event_docs_router
from gateway.openapi import SERVICES, MergedOpenApi
from gateway.proxy import Forwarder
from gateway.registry import RegistryStore, registry_server
from gateway.routing import is_public, owner_of, takes_service_credentials
from gateway.settings import GatewaySettings
from gateway.upstreams import UpstreamPool
from gateway.web import install_web_client
from gateway.websockets_proxy import proxy_lobby

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


def _service_ready(client: httpx.AsyncClient, pool: UpstreamPool, service: str) -> Check:
    async def check() -> bool:
        for url in await pool.instances(service):
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return True
            except httpx.TransportError:
                continue
        return False

    return check


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    redis = Redis.from_url(settings.redis_url)
    prefix = f"{settings.redis_key_prefix}gateway:"
    store = RegistryStore(redis, prefix=prefix, lease_seconds=settings.registry_lease_seconds)
    pool = UpstreamPool(
        store, settings.static_upstreams(), pause_seconds=settings.failed_instance_pause_seconds
    )
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(
            settings.upstream_timeout_seconds, connect=settings.upstream_connect_timeout_seconds
        ),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
    )
    forwarder = Forwarder(client, pool)
    limiter = EdgeLimiter(
        redis,
        settings.redis_url,
        prefix=prefix,
        per_address=settings.requests_per_minute_per_address,
        per_user=settings.requests_per_minute_per_user,
    )
    codec = TokenCodec(settings.token_keys())
    registry = registry_server(store, settings.grpc_port, settings.host)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await registry.start()
        try:
            yield
        finally:
            await registry.stop()
            await client.aclose()
            await redis.aclose()

    app = FastAPI(title="Chorus", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.pool = pool
    app.state.registry = registry
    instrument(
        app,
        service=settings.service_name,
        otlp_endpoint=settings.otlp_endpoint,
        sample_ratio=settings.trace_sample_ratio,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=_METHODS,
            allow_headers=["authorization", "auth_token", "content-type", "x-request-id"],
            expose_headers=["x-request-id", "retry-after"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationMiddleware)
    install_error_handlers(app)
    checks = {service: _service_ready(client, pool, service) for service in SERVICES}
    checks["redis"] = _redis_check(redis)
    app.include_router(health_router(checks, timeout=settings.upstream_timeout_seconds))
    openapi = MergedOpenApi(client, pool, own={"openapi": "3.1.0", "info": {"version": "0.1.0"}, "paths": {}})

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document() -> JSONResponse:
        return JSONResponse(await openapi.document())

    app.include_router(event_docs_router())
    install_web_client(app)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Chorus API")

    @app.websocket("/api/games/wss/lobby/{room_id}")
    async def lobby(websocket: WebSocket, room_id: int) -> None:
        await proxy_lobby(websocket, codec, pool, room_id)

    @app.api_route("/api/{rest:path}", methods=_METHODS, include_in_schema=False)
    async def route(request: Request, rest: str) -> Response:
        path = request.url.path
        service = owner_of(path)
        if service is None:
            raise ChorusError(ErrorKind.NOT_FOUND, "not_found", "no such endpoint")
        token = presented_token(request.headers)
        user: str | None = None
        if not is_public(request.method, path) and not takes_service_credentials(path):
            user = verify_user(codec, token).subject
        address = _client_address(request)
        await limiter.admit(address, user)
        return await forwarder.forward(request, service, token, address)

    return app


def _redis_check(redis: Redis) -> Check:
    async def check() -> bool:
        return bool(await redis.ping())

    return check
