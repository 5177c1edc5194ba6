"""WebSocket connections whose frames can be written already encoded, or relayed as raw bytes.

A server→client WebSocket frame is not masked, so its bytes are the same for
every receiver: a live room encodes a frame once and writes those bytes to each
member's transport, with no per-member encode, queue or task. The ASGI interface
has no way to do that, so this protocol (uvicorn's sans-I/O ``websockets``
protocol, otherwise unchanged) adds one scope extension, ``chorus.wire``: the
connection's :class:`Wire`.

A gateway relaying a socket to a replica goes one step further: once both sides
have done their handshake, the bytes each side sends are valid as they are for
the other (the client's frames stay masked, the replica's stay unmasked), so
:meth:`Wire.splice` hands every byte received to the upstream unparsed and the
relay never decodes or re-encodes a frame.

Compression is off: a frame shared by many members cannot be compressed per
member's context, and chat frames are small.
"""

import struct
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocket
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

WIRE_EXTENSION = "chorus.wire"
LINGER_SECONDS = 2.0

_TEXT = 0x81  # FIN + text opcode


def text_frame(payload: bytes) -> bytes:
    """One unfragmented, unmasked text frame carrying ``payload`` (UTF-8 JSON)."""
    size = len(payload)
    if size < 126:
        return bytes((_TEXT, size)) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", _TEXT, 126, size) + payload
    return struct.pack("!BBQ", _TEXT, 127, size) + payload


class Splice:
    """Where a spliced connection's incoming bytes go, and how its backpressure reaches the source."""

    def __init__(
        self,
        received: Callable[[bytes], None],
        lost: Callable[[], None],
        pause_source: Callable[[], None],
        resume_source: Callable[[], None],
    ) -> None:
        self.received = received
        self.lost = lost
        self.pause_source = pause_source
        self.resume_source = resume_source


class Wire:
    """The transport under one accepted WebSocket: write encoded frames or bytes directly."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: "WireWebSocketProtocol") -> None:
        self._protocol = protocol

    @property
    def open(self) -> bool:
        """Accepted, and neither side has started closing."""
        protocol = self._protocol
        return (
            protocol.handshake_complete
            and not protocol.close_sent
            and not protocol.disconnected
            and not protocol.transport.is_closing()
        )

    @property
    def buffered(self) -> int:
        """Bytes written but not yet taken by the kernel: how far the peer lags behind."""
        return self._protocol.transport.get_write_buffer_size()

    def write(self, data: bytes) -> bool:
        """Write complete frames (or, once spliced, any bytes); False when the socket is not open."""
        if not self.open:
            return False
        self._protocol.transport.write(data)
        return True

    def splice(self, splice: Splice) -> None:
        """From now on every byte received goes to ``splice.received`` unparsed.

        Call it right after accepting, before anything is awaited, so no frame of the
        client's has been parsed yet. Keepalive pings stop (they would interleave with
        relayed bytes); the far end's pings pass through instead.
        """
        self._protocol.start_splice(splice)

    def pause_reading(self) -> None:
        """Stop reading from the peer (a spliced relay whose other side cannot take more)."""
        transport = self._protocol.transport
        if not transport.is_closing():
            transport.pause_reading()

    def resume_reading(self) -> None:
        transport = self._protocol.transport
        if not transport.is_closing():
            transport.resume_reading()

    def close(self) -> None:
        """End a spliced relay whose other side went away, letting the peer read what it was sent.

        Closed at once with input still unread, a connection is reset, and the peer may lose
        the close frame just relayed to it (a client cut off mid-way through a frame too large
        for the far side, say). So: send end-of-stream, drop whatever still comes in, and
        close after a short linger, or when the peer closes first.
        """
        self._protocol.linger_close()


class WireWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol with the :class:`Wire` extension and splicing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._splice: Splice | None = None
        self._discarding = False

    def linger_close(self) -> None:
        """Close, after the peer has had a moment to read what was sent; its input is dropped.

        Closed with input still unread, a TCP connection is reset, and the reset can
        overtake the close frame written just before it."""
        self._discarding = True
        transport = self.transport
        if transport.is_closing():
            return
        if not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        transport.resume_reading()
        self.loop.call_later(LINGER_SECONDS, transport.close)

    def handle_parser_exception(self) -> None:
        # A frame past the size limit, or bytes that are no WebSocket frame: the client is
        # told why (1009, 1002) and still sending, so its close frame must not be reset away.
        assert self.conn.close_sent is not None
        self.queue.put_nowait(
            {
                "type": "websocket.disconnect",
                "code": self.conn.close_sent.code,
                "reason": self.conn.close_sent.reason,
            }
        )
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.linger_close()

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][WIRE_EXTENSION] = Wire(self)

    def start_splice(self, splice: Splice) -> None:
        self.stop_keepalive()
        self.ping_interval = None
        self._splice = splice
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        if self._discarding:
            return
        if self._splice is not None:
            self._splice.received(data)
            return
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self._splice is not None:
            self._splice.lost()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._splice is not None:
            self._splice.pause_source()

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._splice is not None:
            self._splice.resume_source()

    def shutdown(self) -> None:
        if self._splice is not None:
            # A close frame from here could land inside a relayed frame: drop the connection,
            # and the client reconnects (with ``since``) as after any network failure.
            self.transport.close()
            return
        super().shutdown()


def wire_of(scope: Any) -> Wire | None:
    """The connection's :class:`Wire`, when it is served by :class:`WireWebSocketProtocol`."""
    extensions = scope.get("extensions") or {}
    wire = extensions.get(WIRE_EXTENSION)
    return wire if isinstance(wire, Wire) else None


async def refuse(websocket: WebSocket, code: int, reason: str) -> None:
    """Turn a socket away with one of the contract's close codes.

    Closed before its handshake, a socket is an HTTP 403 that no browser lets its page
    read; accepted and closed at once, the client gets the code and can act on it.
    """
    await websocket.accept()
    await websocket.close(code, reason)
