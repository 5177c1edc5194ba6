"""A response's head leaves in the same write as its first body bytes.

uvicorn writes a response's status line and headers as soon as the app starts the
response, and its body in a second write: two system calls, and on a connection
with Nagle off (uvloop's default) two TCP segments, so the reader (a client, or the
gateway relaying a service's answer) wakes up twice for one small answer. Here the
head is held until the first body write (an ASGI app sends the two back to back;
one that streams sends its head with its first chunk) and both go out together.
A ``100 Continue`` interim answer is never held: the client waits for it before
sending its body. Nor is the head of an answer to HEAD, which has no body write.
"""

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Above this, the head and body go out as two buffers of one write (no copy of the body).
_JOIN_BELOW_BYTES = 64 * 1024
_INTERIM_ANSWER = b"HTTP/1.1 1"


class HeldHeadTransport:
    """The transport as one response's cycle sees it: the first non-interim write is held."""

    __slots__ = ("_held", "_passed", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held: bytes | None = None
        self._passed = False

    def write(self, data: bytes) -> None:
        if self._passed:
            self._transport.write(data)
        elif self._held is None:
            if data.startswith(_INTERIM_ANSWER):
                self._transport.write(data)
            else:
                self._held = data
        else:
            head, self._held, self._passed = self._held, None, True
            if len(data) < _JOIN_BELOW_BYTES:
                self._transport.write(head + data)
            else:
                self._transport.writelines((head, data))

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def close(self) -> None:
        # A head still held belongs to a response the app gave up on after starting it:
        # the client gets the head and then the close, as without holding.
        if self._held is not None:
            self._transport.write(self._held)
            self._held = None
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class HeldHeadProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, giving each request's cycle a transport that holds the head."""

    def on_headers_complete(self) -> None:
        previous = self.cycle
        super().on_headers_complete()
        # No new cycle when the request upgrades to a WebSocket.
        if self.cycle is not None and self.cycle is not previous and self.scope["method"] != "HEAD":
            self.cycle.transport = HeldHeadTransport(self.transport)  # type: ignore[assignment]
