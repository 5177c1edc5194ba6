"""The gateway's HTTP application."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from chorus_backbone.correlation import CorrelationMiddleware
from chorus_backbone.errors import install_error_handlers
from chorus_backbone.health import Check, health_router
from chorus_backbone.logs import configure_logging
from chorus_backbone.observability import instrument
from gateway.settings import GatewaySettings


def _upstream_ready(client: httpx.AsyncClient, url: str) -> Check:
    async def check() -> bool:
        response = await client.get(f"{url}/readyz")
        return response.status_code == 200

    return check


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    client = httpx.AsyncClient(timeout=settings.upstream_timeout_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose()

    app = FastAPI(title="Chorus", lifespan=lifespan)
    instrument(
        app,
        service=settings.service_name,
        otlp_endpoint=settings.otlp_endpoint,
        sample_ratio=settings.trace_sample_ratio,
    )
    app.add_middleware(CorrelationMiddleware)
    install_error_handlers(app)
    checks = {
        f"{service}[{index}]": _upstream_ready(client, url)
        for service, urls in settings.upstreams().items()
        for index, url in enumerate(urls)
    }
    app.include_router(health_router(checks, timeout=settings.upstream_timeout_seconds))
    return app
