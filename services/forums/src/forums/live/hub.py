"""The members connected to this replica, by room and by album; frames from the bus go to them.

Each room with members here has a :class:`RoomChannel`: the position of its
stream (the last message id fanned out) and its members. A batch of messages is
encoded once and the same bytes are written to every live member. The bus may
lose a batch (a replica briefly away from Redis) or repeat one: a batch after a
gap waits while the channel reads the missing messages from the log, once for
all its members; a repeated one is dropped.
"""

import asyncio
import logging
from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from typing import Any

import orjson
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from chorus_backbone.tracing import attach_trace_headers, detach
from chorus_backbone.websocket_wire import text_frame
from chorus_schemas.live_room import CloseCode
from forums.domain.models import Message
from forums.live import metrics
from forums.live.member import Encoded, FetchAfter, MemberConnection, encode, frame_of, missed_messages

logger = logging.getLogger(__name__)
_tracer = trace.get_tracer("chorus.forums.live")

# Event frames carry their event's id; an event delivered again (a consumer that
# read it twice) within this many recent events is shown once.
RECENT_EVENTS = 10_000
INTERNAL_KEYS = frozenset({"origin", "trace"})
FILL_RETRY_SECONDS = 0.5

# What waits while a channel fills a gap: a batch of messages, or one other frame.
Pending = tuple[list[Encoded], None] | tuple[None, tuple[bytes, str | None]]


class RoomChannel:
    """One room's stream on this replica: its position, live members and joining ones."""

    def __init__(self, room_id: int, album_id: int | None, fetch_after: FetchAfter) -> None:
        self.room_id = room_id
        self.album_id = album_id
        self.fetch_after = fetch_after
        self.position: int | None = None
        self.live: dict[str, MemberConnection] = {}
        self.joining: dict[str, MemberConnection] = {}
        self._pending: list[Pending] | None = None  # not None while a gap is being filled

    def __len__(self) -> int:
        return len(self.live) + len(self.joining)

    def messages(self, messages: list[Encoded]) -> None:
        if self._pending is not None:
            self._pending.append((messages, None))
            return
        if self.position is not None:
            messages = [m for m in messages if m[0] > self.position]
            if not messages:
                return
            if messages[0][0] > self.position + 1:
                self._pending = [(messages, None)]
                asyncio.get_running_loop().create_task(self._fill_gap(), name=f"room-gap-{self.room_id}")
                return
        self._fan_out(messages)

    def frame(self, data: bytes, origin: str | None) -> None:
        if self._pending is not None:
            self._pending.append((None, (data, origin)))
            return
        self._fan_out_frame(data, origin)

    def _fan_out(self, messages: list[Encoded]) -> None:
        self.position = messages[-1][0]
        joined = messages[0][1] if len(messages) == 1 else b"".join(data for _, data in messages)
        sent = 0
        for member in list(self.live.values()):
            sent += member.take_messages(messages, joined)
        for member in self.joining.values():
            for message_id, data in messages:
                member.hold(message_id, data)
        metrics.FRAMES_SENT.labels("message").inc(sent)

    def _fan_out_frame(self, data: bytes, origin: str | None) -> None:
        sent = 0
        for member in list(self.live.values()):
            if member.id != origin:
                member.write(data)
                sent += 1
        for member in self.joining.values():
            member.hold(None, data, origin)
        metrics.FRAMES_SENT.labels("event").inc(sent)

    async def _fill_gap(self) -> None:
        """Read what the bus lost from the log, fan it out, then what waited meanwhile."""
        assert self._pending is not None
        assert self.position is not None
        first_waiting = next(m for m, _ in self._pending if m is not None)[0][0]
        async for missed in missed_messages(self._read_after, self.room_id, self.position, first_waiting - 1):
            self._fan_out([(m.id, b"" if m.deleted else encode(frame_of(m))) for m in missed])
        pending, self._pending = self._pending, None
        for messages, frame in pending:
            if messages is not None:
                self.messages(messages)
            elif frame is not None:
                self.frame(*frame)

    async def _read_after(self, room_id: int, after: int, limit: int) -> list[Message]:
        for attempt in (1, 2, 3):
            try:
                return await self.fetch_after(room_id, after, limit)
            except Exception:
                # The log is away: members get what comes next; a reconnect with since fills the rest.
                logger.warning("room %s: reading missed messages failed (try %d)", self.room_id, attempt)
                await asyncio.sleep(FILL_RETRY_SECONDS * attempt)
        return []


class LocalHub:
    def __init__(self, fetch_after: FetchAfter) -> None:
        self.fetch_after = fetch_after
        self.rooms: dict[int, RoomChannel] = {}
        self.albums: dict[int, set[RoomChannel]] = defaultdict(set)
        self._recent_events: OrderedDict[str, None] = OrderedDict()

    # Members come and go.

    def add(self, member: MemberConnection) -> None:
        channel = self.rooms.get(member.room_id)
        if channel is None:
            channel = self.rooms[member.room_id] = RoomChannel(
                member.room_id, member.album_id, self.fetch_after
            )
            if member.album_id is not None:
                self.albums[member.album_id].add(channel)
        channel.joining[member.id] = member
        self._observe()

    def go_live(self, member: MemberConnection) -> None:
        channel = self.rooms.get(member.room_id)
        if channel is None or channel.joining.pop(member.id, None) is None:
            return  # left (or was closed as too slow) while joining
        if channel.position is None:
            channel.position = member.last_id
        channel.live[member.id] = member

    def position(self, room_id: int) -> int | None:
        channel = self.rooms.get(room_id)
        return None if channel is None else channel.position

    def remove(self, member: MemberConnection) -> None:
        channel = self.rooms.get(member.room_id)
        if channel is None:
            return
        channel.live.pop(member.id, None)
        channel.joining.pop(member.id, None)
        if not channel:
            del self.rooms[member.room_id]
            if channel.album_id is not None:
                rooms = self.albums.get(channel.album_id)
                if rooms is not None:
                    rooms.discard(channel)
                    if not rooms:
                        del self.albums[channel.album_id]
        self._observe()

    def _observe(self) -> None:
        metrics.LIVE_ROOMS.set(len(self.rooms))
        metrics.LIVE_MEMBERS.set(self.count())

    # Frames arrive from the bus.

    def deliver_messages(self, room_id: int, frames: list[Mapping[str, Any]]) -> None:
        channel = self.rooms.get(room_id)
        if channel is None or not frames:
            return
        channel.messages([(int(frame["id"]), text_frame(orjson.dumps(frame))) for frame in frames])

    def deliver(self, room_id: int, frame: dict[str, Any]) -> None:
        channel = self.rooms.get(room_id)
        if channel is not None:
            self._offer([channel], frame)

    def deliver_to_album(self, album_id: int, frame: dict[str, Any]) -> None:
        if self._seen(frame.get("id")):
            return
        channels = self.albums.get(album_id)
        if channels:
            self._offer(list(channels), frame)

    def _seen(self, event_id: object) -> bool:
        if not isinstance(event_id, str):
            return False
        if event_id in self._recent_events:
            return True
        self._recent_events[event_id] = None
        if len(self._recent_events) > RECENT_EVENTS:
            self._recent_events.popitem(last=False)
        return False

    @staticmethod
    def _offer(channels: list[RoomChannel], frame: dict[str, Any]) -> None:
        origin = frame.get("origin")
        carried = frame.get("trace")
        visible = {k: v for k, v in frame.items() if k not in INTERNAL_KEYS}
        data = encode(visible)
        if not carried:
            for channel in channels:
                channel.frame(data, origin)
            return
        # One span per frame and replica (not per member): the trace shows where it fanned out.
        token = attach_trace_headers(carried)
        try:
            with _tracer.start_as_current_span("room fan-out", kind=SpanKind.INTERNAL) as span:
                span.set_attribute("chorus.frame.type", str(visible.get("type")))
                span.set_attribute("chorus.room.members", sum(len(c.live) for c in channels))
                for channel in channels:
                    channel.frame(data, origin)
        finally:
            detach(token)

    # Who is here.

    def entries(self) -> list[tuple[int, int, str]]:
        return [
            (member.room_id, member.user_id, member.id)
            for channel in self.rooms.values()
            for member in (*channel.live.values(), *channel.joining.values())
        ]

    def count(self) -> int:
        return sum(len(channel) for channel in self.rooms.values())

    async def send_everyone_away(self) -> int:
        """Close every member's socket with 1001: this replica is stopping, and a client that
        reconnects with ``since`` (to another replica) gets every message it has not seen."""
        members = [
            member
            for channel in self.rooms.values()
            for member in (*channel.live.values(), *channel.joining.values())
        ]
        reason = "going away: reconnect with since to resume"
        for member in members:
            member.sent_away = True
        await asyncio.gather(*(member.close(CloseCode.GOING_AWAY, reason) for member in members))
        return len(members)
