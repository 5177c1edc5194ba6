"""One proxied request as the edge sees it: its head, its body as it arrives, its answer.

`ConnectionExchange` is the hot path, on the gateway's own HTTP protocol
(`gateway.edge.protocol`); `gateway.edge.asgi_exchange` serves the same edge through
ASGI (requests a middleware must see first, such as cross-origin ones when CORS is
configured).

uvicorn's HTTP protocol parses the client's requests and drives one "cycle" per
request: it hands the cycle the body as it arrives, says when the client has gone,
and starts the next pipelined request once the cycle says its answer is complete.
A `ConnectionExchange` is that cycle for the edge's `/api/...` requests, without ASGI in
between: the edge reads the body from it and answers through it, and the answer's
head and body go to the client in one write. Headers written here come from the
edge itself or from a service's answer already parsed by httptools (which reads no
control characters into a name or value), so they are not scanned again.
"""

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import STATUS_LINE

logger = logging.getLogger(__name__)

_NO_BODY_STATUSES = frozenset({204, 304})
_CLOSE = b"connection: close\r\n"
_CHUNKED = b"transfer-encoding: chunked\r\n"
_LAST_CHUNK = b"0\r\n\r\n"
_INTERNAL_ERROR = (
    STATUS_LINE[500]
    + b"content-type: text/plain; charset=utf-8\r\ncontent-length: 21\r\nconnection: close\r\n\r\n"
    + b"Internal Server Error"
)


class _Arrival:
    """What uvicorn's protocol sets when body bytes arrive or the client leaves (asyncio.Event's
    part of it that is used, without its cost on the many requests that never wait)."""

    __slots__ = ("_set", "_waiter")

    def __init__(self) -> None:
        self._set = False
        self._waiter: asyncio.Future[None] | None = None

    def set(self) -> None:
        self._set = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> None:
        if self._set:
            return
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None


def may_have_body(method: str, status: int) -> bool:
    return method != "HEAD" and status not in _NO_BODY_STATUSES and status >= 200


def has_length(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == b"content-length" for name, _ in headers)


def with_length(
    method: str, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> list[tuple[bytes, bytes]]:
    """``headers`` with the body's length, unless they give one (a HEAD answer's length of the body
    it leaves out) or the answer has no body."""
    if has_length(headers) or not may_have_body(method, status):
        return headers
    return [*headers, (b"content-length", str(len(body)).encode())]


class ClientGoneError(Exception):
    """The client closed its connection before its request was read."""


class Exchange(Protocol):
    """What the edge needs of a request and its answer."""

    method: str
    target: bytes  # the path and query exactly as the client sent them
    path: str  # the path, percent-decoded
    headers: list[tuple[bytes, bytes]]  # names in lower case

    @property
    def client_address(self) -> str: ...

    async def receive(self) -> tuple[bytes, bool]:
        """The body bytes that arrived since the last call, and whether more will follow;
        ClientGoneError once the client has left."""
        ...

    async def answer(
        self, status: int, headers: list[tuple[bytes, bytes]], body: bytes, *, close: bool = False
    ) -> None:
        """A whole answer. ``headers`` may carry a content-length (a HEAD answer's length of the
        body it leaves out); without one, it is the body's. ``close``: the connection closes after."""
        ...

    async def start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        """The head of an answer whose body follows in ``send`` calls (chunked unless ``headers``
        give its length)."""
        ...

    async def send(self, chunk: bytes) -> None: ...

    async def end(self) -> None: ...

    def abort(self) -> None:
        """The answer cannot be finished: a 500 if nothing was sent yet, and the connection closes."""
        ...

    def finished(self) -> None:
        """The edge is done with the request (answered or not)."""
        ...


class ConnectionExchange:
    """A request's body as it arrives and the way its answer leaves (the cycle of its connection)."""

    __slots__ = (
        "_chunked",
        "_has_body",
        "body",
        "client",
        "default_headers",
        "disconnected",
        "flow",
        "headers",
        "keep_alive",
        "message_event",
        "method",
        "more_body",
        "on_response",
        "path",
        "response_complete",
        "response_started",
        "target",
        "transport",
        "waiting_for_100_continue",
    )

    def __init__(
        self,
        *,
        method: str,
        target: bytes,
        path: str,
        headers: list[tuple[bytes, bytes]],
        client: tuple[str, int] | None,
        transport: asyncio.Transport,
        flow: FlowControl,
        default_headers: list[tuple[bytes, bytes]],
        keep_alive: bool,
        expect_100_continue: bool,
        on_response: Callable[[], None],
    ) -> None:
        self.method = method
        self.target = target  # the path and query exactly as the client sent them
        self.path = path  # the path, percent-decoded
        self.headers = headers  # names in lower case
        self.client = client
        self.transport = transport
        self.flow = flow
        self.default_headers = default_headers  # the server's date and name, kept current by uvicorn
        # Read and written by uvicorn's protocol (the attributes of its own cycle).
        self.message_event = _Arrival()
        self.body = bytearray()
        self.more_body = True
        self.disconnected = False
        self.keep_alive = keep_alive
        self.waiting_for_100_continue = expect_100_continue
        self.response_started = False
        self.response_complete = False
        self.on_response = on_response
        self._chunked = False
        self._has_body = True

    @property
    def client_address(self) -> str:
        return self.client[0] if self.client else "unknown"

    # The request body
    async def receive(self) -> tuple[bytes, bool]:
        if self.waiting_for_100_continue and not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.waiting_for_100_continue = False
        if not self.disconnected and not self.response_complete:
            self.flow.resume_reading()
            if not self.body and self.more_body:
                await self.message_event.wait()
            self.message_event.clear()
        if self.disconnected or self.response_complete:
            raise ClientGoneError
        chunk = bytes(self.body)
        self.body.clear()
        return chunk, self.more_body

    # The answer
    async def answer(
        self, status: int, headers: list[tuple[bytes, bytes]], body: bytes, *, close: bool = False
    ) -> None:
        """A whole answer, in one write."""
        if close:
            self.keep_alive = False
        head = self._head(status, with_length(self.method, status, headers, body))
        await self._write(head + body if may_have_body(self.method, status) else head)
        self._complete()

    async def start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self._has_body = may_have_body(self.method, status)
        self._chunked = self._has_body and not has_length(headers)
        await self._write(self._head(status, headers))

    async def send(self, chunk: bytes) -> None:
        if chunk and self._has_body:
            await self._write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if self._chunked else chunk)

    async def end(self) -> None:
        if self._chunked:
            await self._write(_LAST_CHUNK)
        self._complete()

    def abort(self) -> None:
        if not self.response_started and not self.disconnected:
            self.response_started = True
            self.transport.write(_INTERNAL_ERROR)
        self.transport.close()

    def finished(self) -> None:
        """The edge is done with this request: a request it never answered gets a 500 (a fault of the
        edge's own; logged)."""
        if not self.response_complete and not self.disconnected:
            logger.error("the edge left %s %s unanswered", self.method, self.path)
            self.abort()
        self.on_response = _nothing

    def _head(self, status: int, headers: list[tuple[bytes, bytes]]) -> bytes:
        self.response_started = True
        self.waiting_for_100_continue = False
        lines = [STATUS_LINE[status]]
        for name, value in self.default_headers:
            lines += (name, b": ", value, b"\r\n")
        for name, value in headers:
            lines += (name, b": ", value, b"\r\n")
        if self._chunked:
            lines.append(_CHUNKED)
        if not self.keep_alive:
            lines.append(_CLOSE)
        lines.append(b"\r\n")
        return b"".join(lines)

    async def _write(self, data: bytes) -> None:
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if not self.disconnected:
            self.transport.write(data)

    def _complete(self) -> None:
        self.response_complete = True
        self.message_event.set()
        if not self.keep_alive:
            self.transport.close()
        self.on_response()


def _nothing() -> None:
    return None
