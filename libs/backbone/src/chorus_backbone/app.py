"""The FastAPI shell every service shares: lifespan, request ids, error shape, health."""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from chorus_backbone.api_docs import describe_errors
from chorus_backbone.auth import TokenCodec
from chorus_backbone.body_limit import BodySizeLimitMiddleware
from chorus_backbone.correlation import CorrelationMiddleware
from chorus_backbone.discovery import RegistryClient
from chorus_backbone.errors import AllowedMethods, install_error_handlers
from chorus_backbone.health import health_router
from chorus_backbone.logs import configure_logging
from chorus_backbone.observability import instrument
from chorus_backbone.runtime import Runtime

Hook = Callable[[Runtime], Awaitable[None]]
SocketRoute = Callable[[str], ASGIApp | None]


def _no_sockets(path: str) -> ASGIApp | None:
    return None


class ServiceApp(FastAPI):
    """FastAPI, with long-lived sockets handed to their handler before any middleware.

    A live room socket stays open for hours: through the framework it would keep a
    dozen middleware frames (and their memory) alive for its whole life, and pay for
    them at every join. Its handler answers bad input and closes with the contract's
    codes itself; everything else goes through the full stack.
    """

    socket_route: SocketRoute = staticmethod(_no_sockets)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and (handler := self.socket_route(scope["path"])) is not None:
            await handler(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_service_app(
    runtime: Runtime,
    *,
    title: str,
    routers: Sequence[APIRouter] = (),
    on_start: Hook | None = None,
    on_stop: Hook | None = None,
    on_prepare: Hook | None = None,
    on_drain: Hook | None = None,
    optional: frozenset[str] = frozenset(),
    sockets: SocketRoute = _no_sockets,
) -> FastAPI:
    """``on_prepare`` runs before any consumer starts (indexes: building one under a running
    transaction can stall the MongoDB-wire server); ``on_start`` once everything runs;
    ``on_drain`` when the server is told to stop, after it leaves the gateway's registry
    and before open connections are cut (see ``chorus_backbone.serve``). A dependency named
    in ``optional`` (``"redis"`` for a service that only caches in it) makes readiness
    ``degraded``, not failed, when it is down. ``sockets`` names the handler of a WebSocket
    path served ahead of the framework (see :class:`ServiceApp`)."""
    settings = runtime.settings
    configure_logging(settings.service_name, settings.log_level, settings.log_json)

    registration = (
        RegistryClient(
            settings.registry_target,
            service=settings.service_name,
            http_url=settings.advertised_url or f"http://{settings.host}:{settings.port}",
        )
        if settings.registry_target
        else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if on_prepare is not None:
            await on_prepare(runtime)
        await runtime.start()
        if on_start is not None:
            await on_start(runtime)
        if registration is not None:
            registration.start()
        try:
            yield
        finally:
            if registration is not None:
                await registration.stop()
            if on_stop is not None:
                await on_stop(runtime)
            await runtime.stop()

    async def drain() -> None:
        if registration is not None:
            await registration.stop()  # the gateway sends no new joins here
        if on_drain is not None:
            await on_drain(runtime)

    app = ServiceApp(title=title, lifespan=lifespan)
    app.socket_route = sockets
    app.state.runtime = runtime
    app.state.drain = drain
    app.state.tokens = TokenCodec(settings.token_keys())
    instrument(
        app,
        service=settings.service_name,
        otlp_endpoint=settings.otlp_endpoint,
        sample_ratio=settings.trace_sample_ratio,
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationMiddleware)
    install_error_handlers(app)
    health = health_router(
        runtime.readiness_checks(), timeout=settings.readiness_timeout_seconds, optional=optional
    )
    for router in (health, *routers):
        app.include_router(router)
    app.state.allowed_methods = AllowedMethods(
        [*app.routes, *(route for router in (health, *routers) for route in router.routes)]
    )
    describe_errors(app)
    return app


def from_state(name: str) -> Callable[[HTTPConnection], Awaitable[Any]]:
    """A dependency that hands a route what bootstrap put on ``app.state.<name>`` (a handler).

    A coroutine, so FastAPI calls it in place (a plain function would go through its thread pool).
    """

    async def dependency(connection: HTTPConnection) -> Any:
        return getattr(connection.app.state, name)

    return dependency
