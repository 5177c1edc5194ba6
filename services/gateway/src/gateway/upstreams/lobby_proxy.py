"""The live room socket, relayed to a forums replica as raw bytes; close codes pass through.

The gateway checks the token (and the edge's limits) once, at the upgrade. It then
opens its own connection to a replica and does the WebSocket handshake there; from
then on the two connections are spliced: what the client sends (masked frames) is
written to the replica as it is, and what the replica sends (unmasked frames) to
the client as it is. No frame is parsed or re-encoded here, pings and close
frames go end to end, and each side's backpressure pauses reading the other.
"""

import asyncio
import base64
import contextlib
import logging
import os
from typing import cast
from urllib.parse import urlencode, urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from chorus_backbone.auth import InvalidTokenError
from chorus_backbone.errors import ChorusError, error_body
from chorus_backbone.websocket_wire import Splice, Wire, refuse, wire_of
from chorus_schemas.live_room import CloseCode, presented_token, room_of_path
from gateway.edge.limits import EdgeLimiter
from gateway.edge.tokens import TokenCache
from gateway.upstreams.pool import UpstreamPool

logger = logging.getLogger(__name__)

CONNECT_SECONDS = 5.0
HANDSHAKE_SECONDS = 30.0
MAX_RESPONSE_HEAD = 16 * 1024


class UpstreamRefusedError(Exception):
    """The replica answered the upgrade with something other than 101."""


class UpstreamSlowError(Exception):
    """The replica took the connection but did not answer the upgrade in time."""


class UpstreamSocket(asyncio.Protocol):
    """The gateway's connection to a replica: the handshake, then bytes for the client."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.upgraded: asyncio.Future[bytes] = loop.create_future()  # bytes after the 101 head
        self.closed: asyncio.Future[None] = loop.create_future()
        self._head = bytearray()
        self._client: Wire | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        if self._client is not None:
            self._client.write(data)
            return
        if self.upgraded.done():  # between the 101 and the splice: keep for the client
            self._head += data
            return
        self._head += data
        end = self._head.find(b"\r\n\r\n")
        if end < 0:
            if len(self._head) > MAX_RESPONSE_HEAD:
                self.upgraded.set_exception(UpstreamRefusedError("response head too large"))
            return
        status_line = bytes(self._head[: self._head.find(b"\r\n")])
        rest = bytes(self._head[end + 4 :])
        self._head.clear()
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or parts[1] != b"101":
            self.upgraded.set_exception(UpstreamRefusedError(status_line.decode("latin-1")))
            return
        self.upgraded.set_result(rest)

    def splice_to(self, client: Wire, early: bytes) -> None:
        """Send the client what arrived with the 101 and after it, then everything as it comes."""
        held = early + bytes(self._head)
        self._head.clear()
        self._client = client
        if held:
            client.write(held)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError("the replica closed the connection"))
        if not self.closed.done():
            self.closed.set_result(None)
        if self._client is not None:
            self._client.close()

    def pause_writing(self) -> None:
        if self._client is not None:
            self._client.pause_reading()

    def resume_writing(self) -> None:
        if self._client is not None:
            self._client.resume_reading()

    def pause_reading(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def send(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _upgrade_request(host: str, target: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET {target} HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "\r\n"
    ).encode()


async def _open(url: str, target: str) -> tuple[UpstreamSocket, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    async with asyncio.timeout(CONNECT_SECONDS):
        _, upstream = await asyncio.get_running_loop().create_connection(UpstreamSocket, host, port)
    try:
        upstream.send(_upgrade_request(f"{host}:{port}", target))
        # A replica that accepted the connection is there: a crowd joining at once may make
        # its answer slow, which is not a reason to send the member elsewhere.
        async with asyncio.timeout(HANDSHAKE_SECONDS):
            return upstream, await upstream.upgraded
    except TimeoutError as slow:
        upstream.close()
        raise UpstreamSlowError(url) from slow
    except BaseException:
        upstream.close()
        raise


async def _open_upstream(
    pool: UpstreamPool, room_id: int, target: str
) -> tuple[UpstreamSocket, bytes] | CloseCode:
    """A connection to the room's forums replica (another when it is away), or the close code
    to refuse the client with."""
    for url in await pool.candidates("forums", affinity=str(room_id)):
        try:
            opened = await _open(url, target)
        except UpstreamRefusedError:
            return CloseCode.UNKNOWN_ROOM  # the replica refused: bad room (the token was checked here)
        except UpstreamSlowError:
            return CloseCode.TRY_AGAIN
        except (OSError, TimeoutError):
            pool.failed(url)
            continue
        pool.succeeded(url)
        return opened
    return CloseCode.TRY_AGAIN


class LobbyRelay:
    """The room socket as a plain ASGI app, dispatched before any framework routing."""

    def __init__(self, tokens: TokenCache, limiter: EdgeLimiter, pool: UpstreamPool) -> None:
        self.tokens = tokens
        self.limiter = limiter
        self.pool = pool

    def route(self, path: str) -> ASGIApp | None:
        """This relay for a room's socket path; None for any other path."""
        return self if room_of_path(path) is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        room_id = room_of_path(scope["path"])
        assert room_id is not None
        websocket = WebSocket(scope, receive, send)
        token = presented_token(websocket.headers, websocket.query_params.get("token"))
        try:
            if not token:
                raise InvalidTokenError("a token is required")
            user = self.tokens.user(token).subject
        except InvalidTokenError:
            await refuse(websocket, CloseCode.UNAUTHORIZED, "a valid token is required")
            return
        try:
            client = scope.get("client")
            self.limiter.admit(client[0] if client else "unknown", user)
        except ChorusError as limited:
            # Refused before the upgrade, as any request past its limit: 429 and when to retry.
            headers = {"retry-after": str(limited.retry_after_seconds or 1)}
            body = error_body(limited.code, limited.message)
            await websocket.send_denial_response(JSONResponse(body, status_code=429, headers=headers))
            return
        wire = wire_of(scope)
        if wire is None:  # served by a server without chorus_backbone.serve's WebSocket protocol
            await refuse(websocket, 1011, "this server cannot relay live rooms")
            return
        query = {"token": token}
        if (since := websocket.query_params.get("since")) is not None:
            query["since"] = since
        target = f"/api/games/wss/lobby/{room_id}?{urlencode(query)}"
        opened = await _open_upstream(self.pool, room_id, target)
        if isinstance(opened, CloseCode):
            await refuse(websocket, opened, "room unavailable")
            return
        await _relay(websocket, wire, *opened)


async def _relay(websocket: WebSocket, wire: Wire, upstream: UpstreamSocket, early: bytes) -> None:
    try:
        await websocket.accept()
        # Nothing is awaited between the accept and the splice: no client frame is parsed here.
        wire.splice(
            Splice(
                received=upstream.send,
                lost=upstream.close,
                pause_source=upstream.pause_reading,
                resume_source=upstream.resume_reading,
            )
        )
        upstream.splice_to(wire, early)
        await upstream.closed
    finally:
        upstream.close()
        with contextlib.suppress(Exception):
            wire.close()
