"""Keep-alive HTTP/1.1 connections to the services, for the edge's proxied requests.

A request is written as one block of bytes and its answer parsed by httptools (the
parser uvicorn uses), with nothing else per request: no URL objects, no header
multidicts, no cookie jar (one upstream's cookies never reach another user's
request). Each instance has at most ``per_instance`` connections; a request waits
for one within its timeout. A connection idle longer than ``keepalive_seconds`` is
dropped before reuse, so the service (which closes idle connections itself) never
closes one under a request.
"""

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlsplit

import httptools

from chorus_backbone.deadlines import Deadline, deadline_wheel

# Past this much unread answer, reading from the service pauses until the client caught up.
_HIGH_WATER = 256 * 1024


class UpstreamConnectError(Exception):
    """The instance could not be reached: the request was not sent (safe to send elsewhere)."""


class UpstreamAnswerError(Exception):
    """The request was sent but no whole answer came back (a timeout, a reset, a bad answer)."""


class _Connection(asyncio.Protocol):
    """One connection: writes a request, parses its answer, and says whether it can be reused."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle_since = time.monotonic()
        self._head: asyncio.Future[None] | None = None
        self._status = 0
        self._headers: list[tuple[bytes, bytes]] = []
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._arrived = asyncio.Event()
        self._complete = False
        self._failure: Exception | None = None
        self._paused = False
        self._keep_alive = False
        self._deadline: Deadline | None = None

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports have the interface of asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self._deadlines = deadline_wheel()

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(UpstreamAnswerError(f"unreadable answer: {error}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self._complete:
            self._fail(UpstreamAnswerError("the service closed the connection before answering in full"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self._status = self.parser.get_status_code()
        # Asked now: once the message is complete the parser has moved on to the next one.
        self._keep_alive = self.parser.should_keep_alive()
        if self._head is not None and not self._head.done():
            self._head.set_result(None)

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)
        self._arrived.set()
        if self._buffered > _HIGH_WATER and self.transport is not None and not self._paused:
            self._paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        self._complete = True
        self._arrived.set()

    # use
    def _fail(self, error: Exception) -> None:
        if self._failure is None:
            self._failure = error
        if self._head is not None and not self._head.done():
            self._head.set_exception(error)
        self._arrived.set()

    def send(self, request: bytes, deadline: float) -> "asyncio.Future[None]":
        """Write ``request``; the future is done when the answer's head has arrived. Past
        ``deadline`` (the loop's clock, within the wheel's resolution) without the whole answer,
        the answer fails."""
        assert self.transport is not None
        self._head = self._deadlines.loop.create_future()
        self._deadline = self._deadlines.call_at(deadline, self._too_late)
        self._status, self._headers = 0, []
        self._chunks.clear()
        self._buffered = 0
        self._complete = False
        self._keep_alive = False
        self._failure = None
        self._arrived.clear()
        self.transport.write(request)
        return self._head

    def _too_late(self) -> None:
        self._deadline = None
        if not self._complete:
            self._fail(UpstreamAnswerError("the service did not answer in time"))

    def done(self) -> None:
        """The request is over (its answer read, or given up)."""
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    @property
    def status(self) -> int:
        return self._status

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        return self._headers

    def end_without_body(self) -> None:
        """The answer has no body whatever its head says (a HEAD request): nothing more is read,
        and the connection is not used again (the parser would take a body for the next answer)."""
        self._complete = True
        self.close()

    async def body(self) -> AsyncIterator[bytes]:
        """The answer's body as it arrives, until complete; UpstreamAnswerError past the deadline."""
        while True:
            if self._chunks:
                yield self.take_arrived()
                continue
            if self._complete:
                return
            if self._failure is not None:
                raise self._failure
            self._arrived.clear()
            await self._arrived.wait()

    def whole_body_arrived(self) -> bool:
        return self._complete

    def take_arrived(self) -> bytes:
        """The body that has arrived so far (all of it once ``whole_body_arrived``); reading from the
        service goes on if it was paused for this."""
        chunk = b"".join(self._chunks)
        self._chunks.clear()
        self._buffered = 0
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return chunk

    def reusable(self) -> bool:
        return self._complete and self._keep_alive and not self.closed and self._failure is None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


@dataclass
class _Instance:
    host: str
    port: int
    host_header: bytes
    slots: int  # requests that may be under way at once
    busy: int = 0
    waiting: deque["asyncio.Future[None]"] = field(default_factory=deque)  # first come, first served
    idle: deque[_Connection] = field(default_factory=deque)

    def take_free_slot(self) -> bool:
        """A slot at once if one is free (and nobody waits for it): no timer, no coroutine."""
        if self.busy < self.slots and not self.waiting:
            self.busy += 1
            return True
        return False

    async def wait_for_slot(self, deadline: float) -> None:
        """A slot as soon as one is given back (in turn); UpstreamConnectError past ``deadline``."""
        turn = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            async with asyncio.timeout_at(deadline):
                await turn  # a released slot is handed over as it is: ``busy`` stays
        except BaseException as error:
            if turn.done() and not turn.cancelled():
                self.give_slot()  # handed over just as this request gave up: passed on
            else:
                turn.cancel()
                self.waiting.remove(turn)
            if isinstance(error, TimeoutError):
                raise UpstreamConnectError("no connection to the service came free in time") from None
            raise

    def give_slot(self) -> None:
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.busy -= 1


@dataclass
class Answer:
    """The head of a service's answer; ``body`` yields its body (empty for HEAD). ``release`` when
    done with it: its connection goes back to the pool only when the answer was read in full."""

    status: int
    headers: list[tuple[bytes, bytes]]
    connection: _Connection
    instance: _Instance
    has_body: bool

    def complete(self) -> bool:
        """Whether the whole body has already arrived with the head."""
        return self.connection.whole_body_arrived()

    def whole_body(self) -> bytes:
        """The body, when ``complete``."""
        return self.connection.take_arrived() if self.has_body else b""

    async def body(self) -> AsyncIterator[bytes]:
        if not self.has_body:
            return
        async for chunk in self.connection.body():
            yield chunk

    def release(self) -> None:
        connection = self.connection
        connection.done()
        if connection.reusable():
            connection.idle_since = time.monotonic()
            self.instance.idle.append(connection)
        else:
            connection.close()
        self.instance.give_slot()


class UpstreamConnections:
    """Pooled connections to every instance the edge forwards to."""

    def __init__(
        self,
        *,
        per_instance: int,
        keepalive_seconds: float,
        connect_seconds: float,
        timeout_seconds: float,
    ) -> None:
        self.per_instance = per_instance
        self.keepalive_seconds = keepalive_seconds
        self.connect_seconds = connect_seconds
        self.timeout_seconds = timeout_seconds
        self._instances: dict[str, _Instance] = {}

    def _instance(self, base_url: str) -> _Instance:
        instance = self._instances.get(base_url)
        if instance is None:
            parts = urlsplit(base_url)
            host, port = parts.hostname or "127.0.0.1", parts.port or 80
            instance = _Instance(host, port, parts.netloc.encode(), self.per_instance)
            self._instances[base_url] = instance
        return instance

    async def send(
        self, base_url: str, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> Answer:
        """Send a request to the instance at ``base_url``; its answer's head, the body to be read
        within the same timeout. The caller releases the answer."""
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        instance = self._instance(base_url)
        if not instance.take_free_slot():
            await instance.wait_for_slot(deadline)
        connection = None
        try:
            connection = self._idle_connection(instance) or await self._new_connection(instance, deadline)
            await connection.send(
                _request_bytes(method, target, instance.host_header, headers, body), deadline
            )
            has_body = method != "HEAD" and connection.status not in (204, 304)
            if not has_body and method == "HEAD":
                connection.end_without_body()
            return Answer(connection.status, connection.headers, connection, instance, has_body)
        except BaseException:
            if connection is not None:
                connection.done()
                connection.close()
            instance.give_slot()
            raise

    @contextlib.asynccontextmanager
    async def request(
        self, base_url: str, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> AsyncIterator[Answer]:
        """``send``, released on leaving the block."""
        answer = await self.send(base_url, method, target, headers, body)
        try:
            yield answer
        finally:
            answer.release()

    def _idle_connection(self, instance: _Instance) -> _Connection | None:
        now = time.monotonic()
        while instance.idle:
            connection = instance.idle.pop()  # the most recently used: the least likely to be closing
            if not connection.closed and now - connection.idle_since < self.keepalive_seconds:
                return connection
            connection.close()
        return None

    async def _new_connection(self, instance: _Instance, deadline: float) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(min(deadline, loop.time() + self.connect_seconds)):
                _, connection = await loop.create_connection(_Connection, instance.host, instance.port)
        except (OSError, TimeoutError) as error:
            raise UpstreamConnectError(f"cannot connect: {error!r}") from None
        return connection

    def close(self) -> None:
        for instance in self._instances.values():
            while instance.idle:
                instance.idle.pop().close()


def _request_bytes(
    method: str, target: bytes, host: bytes, headers: list[tuple[bytes, bytes]], body: bytes
) -> bytes:
    lines = [method.encode(), b" ", target, b" HTTP/1.1\r\nhost: ", host, b"\r\n"]
    for name, value in headers:
        lines += (name, b": ", value, b"\r\n")
    if body or method in ("POST", "PUT", "PATCH"):
        lines += (b"content-length: ", str(len(body)).encode(), b"\r\n")
    lines += (b"\r\n", body)
    return b"".join(lines)
