"""The gateway: the one public entry to Chorus."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from redis.asyncio import Redis

from chorus_backbone.body_limit import BodySizeLimitMiddleware
from chorus_backbone.correlation import CorrelationMiddleware
from chorus_backbone.errors import install_error_handlers
from chorus_backbone.health import Check, health_router
from chorus_backbone.logs import configure_logging
from chorus_backbone.observability import instrument
from gateway.api.routes import docs, lobby, proxy
from gateway.api.web_client import install_web_client
from gateway.bootstrap import bootstrap
from gateway.docs.event_docs import event_docs_router
from gateway.docs.openapi import SERVICES
from gateway.settings import GatewaySettings
from gateway.upstreams.pool import UpstreamPool


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


def _redis_check(redis: Redis) -> Check:
    async def check() -> bool:
        return bool(await redis.ping())

    return check


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    gateway = bootstrap(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await gateway.registry.start()
        try:
            yield
        finally:
            await gateway.registry.stop()
            await gateway.close()

    app = FastAPI(title="Chorus", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.gateway = gateway
    app.state.pool = gateway.pool
    app.state.registry = gateway.registry
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
            allow_methods=proxy.METHODS,
            allow_headers=["authorization", "auth_token", "content-type", "x-request-id"],
            expose_headers=["x-request-id", "retry-after"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationMiddleware)
    install_error_handlers(app)
    checks = {service: _service_ready(gateway.http, gateway.pool, service) for service in SERVICES}
    checks["redis"] = _redis_check(gateway.redis)
    app.include_router(health_router(checks, timeout=settings.upstream_timeout_seconds))
    app.include_router(docs.router)
    app.include_router(event_docs_router())
    install_web_client(app)
    app.include_router(lobby.router)
    app.include_router(proxy.router)
    return app
