"""The gateway: the one public entry to Chorus.

Proxied `/api/...` requests take the edge's own path (``gateway.edge.hot_path``) and
the room socket its relay (``gateway.upstreams.lobby_proxy``), both before any
framework routing; FastAPI serves the rest: the merged OpenAPI document and its
page, the event docs, health, metrics and the web client.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from redis.asyncio import Redis
from starlette.types import ASGIApp, Receive, Scope, Send

from chorus_backbone.app import ServiceApp
from chorus_backbone.body_limit import BodySizeLimitMiddleware
from chorus_backbone.correlation import CorrelationMiddleware
from chorus_backbone.errors import install_error_handlers
from chorus_backbone.health import Check, health_router
from chorus_backbone.logs import configure_logging
from chorus_backbone.observability import instrument
from chorus_backbone.request_heads import HeadGuardedProtocol, HeadLimits
from gateway.api.routes import docs
from gateway.api.web_client import install_web_client
from gateway.bootstrap import GatewayParts, bootstrap
from gateway.docs.event_docs import event_docs_router
from gateway.edge.protocol import edge_protocol
from gateway.edge.routing import SERVICES
from gateway.settings import GatewaySettings

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


class GatewayApp(ServiceApp):
    """FastAPI, with `/api/...` requests handed to the edge and room sockets to their relay
    first (and CORS ahead of them).

    Served by ``chorus_backbone.serve``, the gateway reads `/api/...` requests with its own
    protocol (``gateway.edge.protocol``) and they never reach ASGI, unless CORS must see
    them (a cross-origin request while CORS is configured).
    """

    parts: GatewayParts
    front: ASGIApp | None = None

    def http_protocol(self, limits: HeadLimits) -> type[HeadGuardedProtocol]:
        return edge_protocol(limits, lambda: self.parts.edge, cross_origin=self.front is None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.front is not None and scope["type"] != "lifespan":
            await self.front(scope, receive, send)
        else:
            await self.dispatch(scope, receive, send)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            await self.parts.edge(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _service_ready(parts: GatewayParts, service: str) -> Check:
    async def check() -> bool:
        for url in await parts.pool.instances(service):
            try:
                async with parts.http.get(f"{url}/readyz") as response:
                    if response.status == 200:
                        return True
            except (aiohttp.ClientError, TimeoutError):
                continue
        return False

    return check


def _redis_check(redis: Redis) -> Check:
    async def check() -> bool:
        return bool(await redis.ping())

    return check


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    parts = bootstrap(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await parts.start()
        try:
            yield
        finally:
            await parts.stop()

    app = GatewayApp(title="Chorus", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.parts = parts
    app.socket_route = parts.lobby.route
    app.state.gateway = parts
    app.state.pool = parts.pool
    app.state.registry = parts.registry
    instrument(
        app,
        service=settings.service_name,
        otlp_endpoint=settings.otlp_endpoint,
        sample_ratio=settings.trace_sample_ratio,
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationMiddleware)
    install_error_handlers(app)
    checks = {service: _service_ready(parts, service) for service in SERVICES}
    checks["redis"] = _redis_check(parts.redis)
    # Without Redis the edge keeps limiting per replica and routing to the instances it knows.
    app.include_router(
        health_router(checks, timeout=settings.upstream_timeout_seconds, optional=frozenset({"redis"}))
    )
    app.include_router(docs.router)
    app.include_router(event_docs_router())
    install_web_client(app)
    if settings.cors_origins:
        app.front = CORSMiddleware(
            app.dispatch,
            allow_origins=settings.cors_origins,
            allow_methods=METHODS,
            allow_headers=["authorization", "auth_token", "content-type", "x-request-id"],
            expose_headers=["x-request-id", "retry-after"],
        )
    return app
