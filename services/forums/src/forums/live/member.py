"""One member's connection to a room: an ordered, gap-free, bounded outgoing stream."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol
from uuid import uuid4

import orjson
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from starlette.websockets import WebSocket

from chorus_backbone.tracing import attach_trace_headers, detach
from chorus_schemas.live_room import CloseCode, ServerFrame, message_frame
from forums.domain.models import Message
from forums.live import metrics

logger = logging.getLogger(__name__)
_tracer = trace.get_tracer("chorus.forums.live")

FetchAfter = Callable[[int, int, int], Awaitable[list[Message]]]


class MemberRegistry(Protocol):
    """Where this replica finds the members of a room when a frame arrives for it."""

    def add(self, member: "MemberConnection") -> None: ...
    def remove(self, member: "MemberConnection") -> None: ...


INTERNAL_KEYS = frozenset({"origin", "trace"})


class Outgoing:
    """A frame on its way to the members of this replica, encoded once however many receive it."""

    __slots__ = ("_text", "data")

    def __init__(self, data: Mapping[str, Any], text: str | None = None) -> None:
        self.data = data
        self._text = text

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = orjson.dumps(self.data).decode()
        return self._text


class MemberConnection:
    """Frames for one socket go through a bounded queue and one writer task, in log order.

    ``last_id`` is the id of the last message this member has been sent: a message
    frame at or below it is a repeat and is dropped; one above ``last_id + 1`` means
    frames were missed, and the missing messages are read from the log first.
    """

    def __init__(
        self,
        websocket: WebSocket,
        hub: "MemberRegistry",
        *,
        room_id: int,
        album_id: int | None,
        user_id: int,
        username: str | None,
        queue_size: int,
        fetch_after: FetchAfter,
    ) -> None:
        self.websocket = websocket
        self.hub = hub
        self.room_id = room_id
        self.album_id = album_id
        self.user_id = user_id
        self.username = username
        self.id = uuid4().hex
        self.last_id = 0
        self.queue: asyncio.Queue[Outgoing] = asyncio.Queue(maxsize=queue_size)
        self.fetch_after = fetch_after
        self.writer: asyncio.Task[None] | None = None
        self.too_slow = False

    def listen(self) -> None:
        """Receive the room's frames from now on; they wait in the queue until ``start``."""
        self.hub.add(self)

    def catch_up(self, until: int) -> None:
        """Fill from the log up to message ``until`` (in stream order, before anything newer)."""
        self.offer({"type": "catch_up", "until": until})

    def offer(self, frame: Mapping[str, Any] | Outgoing) -> None:
        """Queue a frame; a member who lets the queue fill is disconnected (and may resume)."""
        try:
            self.queue.put_nowait(frame if isinstance(frame, Outgoing) else Outgoing(frame))
        except asyncio.QueueFull:
            if not self.too_slow:
                self.too_slow = True
                metrics.SLOW_MEMBERS.inc()
                asyncio.get_running_loop().create_task(self._close_slow())

    async def _close_slow(self) -> None:
        await self.close(CloseCode.TOO_SLOW, "too slow: reconnect with since to resume")

    async def close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # the socket may be gone already: nothing to tell
            await self.websocket.close(code, reason)

    def start(self, last_id: int) -> None:
        self.last_id = last_id
        self.writer = asyncio.create_task(self._write(), name=f"member-{self.id}")

    async def stop(self) -> None:
        self.hub.remove(self)
        if self.writer is not None:
            self.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.writer

    async def send(self, frame: ServerFrame | Outgoing) -> None:
        outgoing = frame if isinstance(frame, Outgoing) else Outgoing(frame)
        await self.websocket.send_text(outgoing.text)
        metrics.FRAMES_SENT.labels(str(outgoing.data.get("type", "unknown"))).inc()

    async def _write(self) -> None:
        try:
            while True:
                outgoing = await self.queue.get()
                frame = outgoing.data
                if frame.get("type") == "message":
                    await self._send_in_order(outgoing)
                elif frame.get("type") == "catch_up":
                    await self._fill_up_to(int(frame["until"]))
                elif frame.get("origin") != self.id:
                    await self._push(outgoing)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.debug("member %s writer ended", self.id, exc_info=True)

    async def _push(self, outgoing: Outgoing) -> None:
        frame = outgoing.data
        carried = frame.get("trace")
        visible = {k: v for k, v in frame.items() if k not in INTERNAL_KEYS}
        if not carried:
            await self.send(outgoing if len(visible) == len(frame) else Outgoing(visible))
            return
        token = attach_trace_headers(carried)
        try:
            with _tracer.start_as_current_span("room push", kind=SpanKind.INTERNAL) as span:
                span.set_attribute("chorus.frame.type", str(visible.get("type")))
                await self.send(Outgoing(visible))
        finally:
            detach(token)

    async def _send_in_order(self, outgoing: Outgoing) -> None:
        message_id = int(outgoing.data["id"])
        if message_id <= self.last_id:
            return
        if message_id > self.last_id + 1:
            await self._fill_up_to(message_id - 1)
        await self.send(outgoing)
        self.last_id = message_id

    async def _fill_up_to(self, until: int) -> None:
        while self.last_id < until:
            missed = await self.fetch_after(self.room_id, self.last_id, min(500, until - self.last_id))
            if not missed:
                return
            for message in missed:
                if message.id > until:
                    return
                metrics.GAP_FILLS.inc()
                if not message.deleted:
                    await self.send(
                        message_frame(message.id, message.user_id, message.username, message.text, message.at)
                    )
                self.last_id = message.id


class MemberConnections:
    """Makes the connection of each member who enters a room on this replica."""

    def __init__(self, registry: MemberRegistry, fetch_after: FetchAfter, *, queue_size: int) -> None:
        self.registry = registry
        self.fetch_after = fetch_after
        self.queue_size = queue_size

    def connect(
        self, websocket: WebSocket, *, room_id: int, album_id: int | None, user_id: int, username: str | None
    ) -> MemberConnection:
        return MemberConnection(
            websocket,
            self.registry,
            room_id=room_id,
            album_id=album_id,
            user_id=user_id,
            username=username,
            queue_size=self.queue_size,
            fetch_after=self.fetch_after,
        )
