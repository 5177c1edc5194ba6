"""Forwarding a request to the owning service: pooled keep-alive connections, bounded, retried when safe.

aiohttp's client keeps the upstream connections (parsing in C, no cookie jar: one
upstream's cookies never reach another user's request). The path goes on exactly as
the client sent it, still encoded. Request bodies are bounded by the edge and held
so that an idempotent request can go to another instance; response bodies stream
through as they arrive.
"""

import aiohttp
from starlette.types import Scope, Send
from yarl import URL

from gateway import metrics
from gateway.upstreams.pool import UpstreamPool

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Response headers that belong to one hop (and the request id, which the edge sets).
_NOT_FORWARDED_BACK = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"x-request-id",
    }
)


class UpstreamUnavailableError(Exception):
    """No instance of the service answered."""


class Forwarder:
    def __init__(self, session: aiohttp.ClientSession, pool: UpstreamPool) -> None:
        self.session = session
        self.pool = pool

    async def forward(
        self,
        scope: Scope,
        send: Send,
        service: str,
        headers: list[tuple[str, str]],
        body: bytes,
        response_headers: list[tuple[bytes, bytes]],
    ) -> int:
        """Send the request on and its answer back; the status. UpstreamUnavailableError when none took it."""
        method: str = scope["method"]
        target = scope.get("raw_path") or scope["path"].encode()
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        retry_any = method in _IDEMPOTENT
        relaying = _Relay(send, response_headers)
        for url in await self.pool.candidates(service):
            try:
                async with self.session.request(
                    method,
                    URL(url + target.decode("latin-1"), encoded=True),
                    headers=headers,
                    data=body or None,
                    allow_redirects=False,
                ) as upstream:
                    if upstream.status == 503 and retry_any:
                        continue
                    self.pool.succeeded(url)
                    await relaying.relay(upstream)
                    return upstream.status
            except aiohttp.ClientConnectorError:
                self.pool.failed(url)  # never reached: safe to try another for any method
                metrics.UPSTREAM_FAILURES.labels(service).inc()
                continue
            except (TimeoutError, aiohttp.ClientError):
                self.pool.failed(url)
                metrics.UPSTREAM_FAILURES.labels(service).inc()
                if relaying.started:
                    raise  # part of the answer went out: nothing else can be sent on this response
                if retry_any:
                    continue
                break
        raise UpstreamUnavailableError(service)


class _Relay:
    """Sends an upstream's answer back as it arrives; ``started`` once its head is out."""

    def __init__(self, send: Send, extra: list[tuple[bytes, bytes]]) -> None:
        self.send = send
        self.extra = extra
        self.started = False

    async def relay(self, upstream: aiohttp.ClientResponse) -> None:
        headers = [
            (name.lower(), value)
            for name, value in upstream.raw_headers
            if name.lower() not in _NOT_FORWARDED_BACK
        ]
        self.started = True
        await self.send(
            {"type": "http.response.start", "status": upstream.status, "headers": headers + self.extra}
        )
        async for chunk in upstream.content.iter_any():
            await self.send({"type": "http.response.body", "body": chunk, "more_body": True})
        await self.send({"type": "http.response.body", "body": b"", "more_body": False})
