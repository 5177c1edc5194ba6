"""Forwarding a request to the owning service: pooled keep-alive connections, bounded, retried when safe.

The connections are the edge's own (``gateway.upstreams.connections``). The path goes
on exactly as the client sent it, still encoded. Request bodies are bounded by the
edge and held so that an idempotent request can go to another instance; answers go
back as they arrive (in one piece when they arrived whole with their head).
"""

from gateway import metrics
from gateway.edge.exchange import Exchange
from gateway.upstreams.connections import (
    Answer,
    UpstreamAnswerError,
    UpstreamConnectError,
    UpstreamConnections,
)
from gateway.upstreams.pool import UpstreamPool

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Response headers that belong to one hop (and the request id, which the edge sets; the date
# and server, which the gateway's server writes on every answer).
_NOT_FORWARDED_BACK = frozenset(
    {
        b"connection",
        b"date",
        b"server",
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
    def __init__(self, connections: UpstreamConnections, pool: UpstreamPool) -> None:
        self.connections = connections
        self.pool = pool

    async def forward(
        self,
        exchange: Exchange,
        service: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        response_headers: list[tuple[bytes, bytes]],
    ) -> int:
        """Send the request on and its answer back; the status. UpstreamUnavailableError when none took it."""
        method = exchange.method
        target = exchange.target
        retry_any = method in _IDEMPOTENT
        relaying = _Relay(exchange, response_headers)
        for url in await self.pool.candidates(service):
            try:
                answer = await self.connections.send(url, method, target, headers, body)
                try:
                    if answer.status == 503 and retry_any:
                        continue
                    self.pool.succeeded(url)
                    await relaying.relay(answer)
                    return answer.status
                finally:
                    answer.release()
            except UpstreamConnectError:
                self.pool.failed(url)  # never reached: safe to try another for any method
                metrics.UPSTREAM_FAILURES.labels(service).inc()
                continue
            except UpstreamAnswerError:
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

    def __init__(self, exchange: Exchange, extra: list[tuple[bytes, bytes]]) -> None:
        self.exchange = exchange
        self.extra = extra
        self.started = False

    async def relay(self, answer: Answer) -> None:
        headers = [(name, value) for name, value in answer.headers if name not in _NOT_FORWARDED_BACK]
        headers += self.extra
        self.started = True
        if answer.complete():  # the usual small answer: head and body in one write
            await self.exchange.answer(answer.status, headers, answer.whole_body())
            return
        await self.exchange.start(answer.status, headers)
        async for chunk in answer.body():
            await self.exchange.send(chunk)
        await self.exchange.end()
