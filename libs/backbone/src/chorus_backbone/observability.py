"""Metrics at /metrics and tracing for a service's HTTP side."""

import logging
import time

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chorus_backbone import metrics
from chorus_backbone.tracing import configure_tracing, tracing_enabled

access_log = logging.getLogger("chorus.access")
_UNMEASURED = frozenset({"/metrics", "/healthz", "/readyz"})


class HttpMetricsMiddleware:
    """Rate, errors and latency by route template (never the raw path) and status class."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _UNMEASURED:
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            metrics.HTTP_REQUESTS.labels(self.service, method, route, f"{status // 100}xx").inc()
            metrics.HTTP_REQUEST_SECONDS.labels(self.service, method, route).observe(elapsed)
            # One access line, at DEBUG unless the answer is a server error; never the query string.
            level = logging.WARNING if status >= 500 else logging.DEBUG
            if access_log.isEnabledFor(level):
                access_log.log(level, "%s %s %d %.1f ms", method, scope["path"], status, elapsed * 1000)


async def _metrics(_: Request) -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def instrument(app: FastAPI, *, service: str, otlp_endpoint: str | None, sample_ratio: float) -> None:
    """/metrics, HTTP metrics, and one span per request (when tracing is configured by then)."""
    configure_tracing(service, otlp_endpoint=otlp_endpoint, sample_ratio=sample_ratio)
    app.add_route("/metrics", _metrics, include_in_schema=False)
    app.add_middleware(HttpMetricsMiddleware, service=service)
    if not tracing_enabled():
        return  # the instrumentation costs a sixth of a small request even when nothing is recorded
    # One span per request; not one per body chunk or WebSocket frame (those cost more than they tell),
    # and none as long as a live room's socket (its join is a span of its own).
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls=",".join([*_UNMEASURED, "/wss/"]), exclude_spans=["receive", "send"]
    )
