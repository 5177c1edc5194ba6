"""The path every proxied `/api/...` request takes, ahead of any framework routing.

It serves an `Exchange`: straight from the gateway's HTTP protocol
(`gateway.edge.protocol`), or through ASGI when a middleware must see the request
first (`gateway.edge.asgi_exchange`).

In order: the request id, the owning service (by prefix), one pass over the headers
(the token found, identity headers from outside dropped, the rest kept), the body
within its bound, the token check (cached, and its seal passed on so the services need
not verify it again), the limits (counted in process), then the request goes on and
the answer streams back. Errors answer in the contract's shape. One access line per
request, at DEBUG unless the answer is a server error; the query string (which may hold
a token) is never logged.
"""

import asyncio
import functools
import logging
import time

import orjson
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Histogram
from starlette.types import Receive, Scope, Send

from chorus_backbone import metrics as backbone_metrics
from chorus_backbone.auth import IDENTITY_HEADER, InvalidTokenError
from chorus_backbone.correlation import (
    REQUEST_ID_HEADER,
    bind_correlation_id,
    new_request_id,
    reset_correlation_id,
)
from chorus_backbone.errors import ChorusError, error_body, http_status
from chorus_backbone.tracing import tracing_enabled
from gateway import metrics
from gateway.edge.asgi_exchange import AsgiExchange
from gateway.edge.exchange import ClientGoneError, Exchange
from gateway.edge.limits import EdgeLimiter
from gateway.edge.routing import is_public, owner_of, takes_service_credentials
from gateway.edge.tokens import TokenCache
from gateway.upstreams.forwarder import Forwarder, UpstreamUnavailableError

logger = logging.getLogger("chorus.access")
_tracer = trace.get_tracer("chorus.gateway")

ROUTE = "/api/{rest:path}"
_DROPPED = frozenset(
    {
        b"host",
        b"connection",
        b"keep-alive",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"content-length",
        b"authorization",
        b"auth_token",
        b"x-request-id",
        b"x-forwarded-for",
    }
)
_IDENTITY_PREFIX = b"x-chorus-"
_IDENTITY = IDENTITY_HEADER.encode()
_MAX_REQUEST_ID = 128


_BODY_LEFT_UNREAD = frozenset({408, 413})


class _RefusedError(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


class ApiEdge:
    """Checks a proxied request at the edge and hands it to the owning service."""

    def __init__(
        self,
        tokens: TokenCache,
        limiter: EdgeLimiter,
        forwarder: Forwarder,
        *,
        max_body_bytes: int,
        body_seconds: float,
    ) -> None:
        self.tokens = tokens
        self.limiter = limiter
        self.forwarder = forwarder
        self.max_body_bytes = max_body_bytes
        self.body_seconds = body_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The same, through ASGI (see ``gateway.edge.asgi_exchange``)."""
        await self.serve(AsgiExchange(scope, receive, send))

    async def serve(self, exchange: Exchange) -> None:
        """Answer one request (the task uvicorn's protocol starts for it)."""
        started = time.perf_counter()
        token, request_id, forwarded, length = _read_headers(exchange.headers)
        request_id = request_id or new_request_id()
        bound = bind_correlation_id(request_id)
        echo = [(REQUEST_ID_HEADER.encode(), request_id.encode())]
        method = exchange.method
        status = 500
        try:
            if tracing_enabled():
                with _tracer.start_as_current_span(f"{method} {ROUTE}", kind=SpanKind.SERVER) as span:
                    span.set_attribute("http.route", ROUTE)
                    span.set_attribute("http.request.method", method)
                    status = await self._handle(exchange, token, forwarded, length, echo)
                    span.set_attribute("http.response.status_code", status)
            else:
                status = await self._handle(exchange, token, forwarded, length, echo)
        except ClientGoneError:
            status = 499
        except Exception:
            logger.exception("%s %s failed at the edge", method, exchange.path)
            exchange.abort()
        finally:
            exchange.finished()
            elapsed = time.perf_counter() - started
            _counted(method, status // 100).inc()
            _timed(method).observe(elapsed)
            level = logging.WARNING if status >= 500 else logging.DEBUG
            if logger.isEnabledFor(level):
                logger.log(level, "%s %s %d %.1f ms", method, exchange.path, status, elapsed * 1000)
            reset_correlation_id(bound)

    async def _handle(
        self,
        exchange: Exchange,
        token: str | None,
        forwarded: list[tuple[bytes, bytes]],
        length: int | None,
        echo: list[tuple[bytes, bytes]],
    ) -> int:
        path = exchange.path
        try:
            service = owner_of(path)
            if service is None:
                raise _RefusedError(404, "not_found", "no such endpoint")
            user = None
            if not is_public(exchange.method, path) and not takes_service_credentials(path):
                user, seal = self._user(token)
                forwarded.append((_IDENTITY, seal.encode()))
            client = exchange.client_address
            self.limiter.admit(client, user)
            body = await self._body(exchange, length)
            if token:
                forwarded.append((b"authorization", b"Bearer " + token.encode("latin-1")))
            forwarded.append((b"x-request-id", echo[0][1]))
            forwarded.append((b"x-forwarded-for", client.encode()))
            if tracing_enabled():
                carrier: dict[str, str] = {}
                propagate.inject(carrier)
                forwarded.extend((name.encode(), value.encode()) for name, value in carrier.items())
            return await self.forwarder.forward(exchange, service, forwarded, body, echo)
        except ChorusError as error:
            refusal = _RefusedError(
                http_status(error.kind), error.code, error.message, error.retry_after_seconds
            )
        except _RefusedError as refused:
            refusal = refused
        except UpstreamUnavailableError as missing:
            metrics.UPSTREAM_UNAVAILABLE.labels(str(missing)).inc()
            refusal = _RefusedError(
                503, "upstream_unavailable", f"the {missing} service is unavailable; try again shortly", 5
            )
        await _answer(exchange, refusal, echo)
        return refusal.status

    def _user(self, token: str | None) -> tuple[str, str]:
        """The user id and the seal to pass on."""
        if not token:
            raise InvalidTokenError("a token is required: send Authorization: Bearer <token>")
        principal, seal = self.tokens.sealed(token)
        return principal.subject, seal

    async def _body(self, exchange: Exchange, length: int | None) -> bytes:
        """The whole body, read here before forwarding: a body that trickles in holds only this
        connection, and only until ``body_seconds`` (then 408)."""
        if length is not None and length > self.max_body_bytes:
            raise _RefusedError(
                413, "body_too_large", f"request bodies are limited to {self.max_body_bytes} bytes"
            )
        if length == 0:
            return b""
        try:
            async with asyncio.timeout(self.body_seconds):
                return await self._read_body(exchange)
        except TimeoutError:
            raise _RefusedError(
                408, "body_too_slow", f"the request body did not arrive within {self.body_seconds:g} s"
            ) from None

    async def _read_body(self, exchange: Exchange) -> bytes:
        chunks = []
        size = 0
        while True:
            chunk, more = await exchange.receive()
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _RefusedError(
                    413, "body_too_large", f"request bodies are limited to {self.max_body_bytes} bytes"
                )
            chunks.append(chunk)
            if not more:
                return b"".join(chunks)


@functools.cache
def _counted(method: str, status_class: int) -> Counter:
    """The request counter's child for one method and status class (looked up once, not per request;
    the methods are the HTTP parser's few)."""
    return backbone_metrics.HTTP_REQUESTS.labels("gateway", method, ROUTE, f"{status_class}xx")


@functools.cache
def _timed(method: str) -> Histogram:
    return backbone_metrics.HTTP_REQUEST_SECONDS.labels("gateway", method, ROUTE)


def _read_headers(
    raw: list[tuple[bytes, bytes]],
) -> tuple[str | None, str | None, list[tuple[bytes, bytes]], int | None]:
    """One pass: the token, the request id, the headers to forward, the declared body length
    (None when not known before reading it: chunked, or an unreadable length)."""
    token = None
    request_id = None
    length: int | None = 0  # neither a length nor chunked: a request without a body (RFC 9112 6.3)
    forwarded = []
    for name, value in raw:
        if name == b"authorization":
            if value[:7].lower() == b"bearer ":
                token = value[7:].strip().decode("latin-1") or None
        elif name == b"auth_token":
            token = token or value.decode("latin-1") or None
        elif name == b"x-request-id":
            incoming = value.decode("latin-1")
            if 0 < len(incoming) <= _MAX_REQUEST_ID and incoming.isprintable():
                request_id = incoming
        elif name == b"content-length":
            length = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            length = None
        elif name not in _DROPPED and not name.startswith(_IDENTITY_PREFIX):
            forwarded.append((name, value))
    return token, request_id, forwarded, length


async def _answer(exchange: Exchange, refusal: _RefusedError, echo: list[tuple[bytes, bytes]]) -> None:
    body = orjson.dumps(error_body(refusal.code, refusal.message))
    # Its length even when it is not sent (an answer to HEAD says what a GET would get).
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *echo]
    if refusal.retry_after is not None:
        headers.append((b"retry-after", str(max(1, refusal.retry_after)).encode()))
    # After a 408 or 413 the rest of the body must not be read as a next request.
    await exchange.answer(refusal.status, headers, body, close=refusal.status in _BODY_LEFT_UNREAD)
