"""Forwarding HTTP requests to the owning service: pooled, timed out, retried only when safe."""

import logging

import httpx
from starlette.requests import Request
from starlette.responses import Response

from chorus_backbone.correlation import REQUEST_ID_HEADER, current_correlation_id
from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.tracing import current_trace_headers
from gateway import metrics
from gateway.upstreams.pool import UpstreamPool

logger = logging.getLogger(__name__)

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "auth_token",
    }
)
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
IDENTITY_PREFIX = "x-chorus-"


def _forwarded_headers(request: Request, token: str | None, client_address: str) -> dict[str, str]:
    headers = {
        name: value
        for name, value in request.headers.items()
        # Identity headers from outside are never trusted: strip them.
        if name not in _HOP_BY_HOP and not name.startswith(IDENTITY_PREFIX) and name != "authorization"
    }
    if token:
        headers["authorization"] = f"Bearer {token}"
    headers[REQUEST_ID_HEADER] = current_correlation_id() or ""
    headers["x-forwarded-for"] = client_address
    headers.update(current_trace_headers())  # the service continues the gateway's trace
    return headers


class Forwarder:
    def __init__(self, client: httpx.AsyncClient, pool: UpstreamPool) -> None:
        self.client = client
        self.pool = pool

    async def forward(
        self, request: Request, service: str, token: str | None, client_address: str
    ) -> Response:
        body = await request.body()
        headers = _forwarded_headers(request, token, client_address)
        retry_any = request.method in _IDEMPOTENT
        for url in await self.pool.candidates(service):
            try:
                upstream = await self.client.request(
                    request.method,
                    f"{url}{request.url.path}",
                    params=str(request.query_params),
                    content=body,
                    headers=headers,
                )
            except httpx.ConnectError:
                self.pool.failed(url)  # never reached: safe to try another for any method
                metrics.UPSTREAM_FAILURES.labels(service).inc()
                continue
            except httpx.TransportError:
                self.pool.failed(url)
                metrics.UPSTREAM_FAILURES.labels(service).inc()
                if retry_any:
                    continue
                break
            if upstream.status_code == 503 and retry_any:
                continue
            self.pool.succeeded(url)
            return Response(
                upstream.content,
                upstream.status_code,
                headers={
                    k: v
                    for k, v in upstream.headers.items()
                    if k.lower() not in _HOP_BY_HOP and k.lower() != REQUEST_ID_HEADER
                },
            )
        raise ChorusError(
            ErrorKind.UNAVAILABLE,
            "upstream_unavailable",
            f"the {service} service is unavailable; try again shortly",
            retry_after_seconds=5,
        )
