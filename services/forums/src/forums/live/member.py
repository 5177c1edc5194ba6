"""One member's connection to a room: a position in the room's stream, written to directly.

A member has no queue and no task of its own. The room writes each committed
batch's frames (encoded once, the same bytes for everyone) to the member's
transport; the transport's write buffer is the member's backlog. A member whose
backlog passes ``buffer_limit`` bytes is closed with 4408 and resumes with
``since``. ``last_id`` is the id of the last message this member has been sent:
a message at or below it is a repeat and is not written again.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Protocol
from uuid import uuid4

import orjson

from chorus_backbone.websocket_wire import Wire, text_frame
from chorus_schemas.live_room import CloseCode, ServerFrame, message_frame
from forums.domain.models import Message
from forums.live import metrics

logger = logging.getLogger(__name__)

FetchAfter = Callable[[int, int, int], Awaitable[list[Message]]]
CloseSocket = Callable[[int, str], Awaitable[None]]
FILL_PAGE = 500

# A message frame as the room shares it: its id in the room's log and its encoded bytes.
Encoded = tuple[int, bytes]


class MemberRegistry(Protocol):
    """Where this replica finds the members of a room when a frame arrives for it."""

    def add(self, member: "MemberConnection") -> None: ...
    def remove(self, member: "MemberConnection") -> None: ...
    def go_live(self, member: "MemberConnection") -> None:
        """Make the member receive the room's stream directly (from the room's position on)."""
        ...

    def position(self, room_id: int) -> int | None:
        """The id of the last message this replica has fanned out in the room."""
        ...


def encode(frame: ServerFrame | dict[str, Any]) -> bytes:
    return text_frame(orjson.dumps(frame))


class MemberConnection:
    __slots__ = (
        "_close_socket",
        "_held",
        "album_id",
        "buffer_limit",
        "fetch_after",
        "id",
        "last_id",
        "registry",
        "room_id",
        "sent_away",
        "too_slow",
        "user_id",
        "username",
        "wire",
    )

    def __init__(
        self,
        wire: Wire,
        close_socket: CloseSocket,
        registry: MemberRegistry,
        *,
        room_id: int,
        album_id: int | None,
        user_id: int,
        username: str | None,
        buffer_limit: int,
        fetch_after: FetchAfter,
    ) -> None:
        self.wire = wire
        self._close_socket = close_socket
        self.registry = registry
        self.room_id = room_id
        self.album_id = album_id
        self.user_id = user_id
        self.username = username
        self.buffer_limit = buffer_limit
        self.fetch_after = fetch_after
        self.id = uuid4().hex
        self.last_id = 0
        self.too_slow = False
        self.sent_away = False
        # Frames that arrive between listening and going live: (message id or None, bytes).
        self._held: list[tuple[int | None, bytes, str | None]] | None = None

    # The room's side: called for every frame fanned out while the member is in the room.

    def hold(self, message_id: int | None, data: bytes, origin: str | None = None) -> None:
        assert self._held is not None
        self._held.append((message_id, data, origin))

    def take_messages(self, messages: Sequence[Encoded], joined: bytes) -> int:
        """Write the messages this member has not had (all of ``joined`` in the usual case)."""
        if self.last_id >= messages[-1][0]:
            return 0
        if self.last_id < messages[0][0]:
            self.write(joined)
            sent = len(messages)
        else:
            fresh = [data for message_id, data in messages if message_id > self.last_id]
            self.write(b"".join(fresh))
            sent = len(fresh)
        self.last_id = messages[-1][0]
        return sent

    def write(self, data: bytes) -> None:
        if not self.wire.write(data):
            return
        if self.wire.buffered > self.buffer_limit and not self.too_slow:
            self.too_slow = True
            metrics.SLOW_MEMBERS.inc()
            self.registry.remove(self)
            asyncio.get_running_loop().create_task(
                self.close(CloseCode.TOO_SLOW, "too slow: reconnect with since to resume")
            )

    # The session's side.

    def listen(self) -> None:
        """Receive the room's frames from now on; they are held until ``start``."""
        self._held = []
        self.registry.add(self)

    async def send(self, frame: ServerFrame) -> None:
        """Send now, ahead of the stream (welcome, answers to this member's own frames)."""
        self.write(encode(frame))
        metrics.FRAMES_SENT.labels(str(frame.get("type", "unknown"))).inc()

    def stream_position(self) -> int | None:
        return self.registry.position(self.room_id)

    async def start(self, last_id: int, *, catch_up_until: int | None = None) -> None:
        """Send what was missed after ``last_id`` (from the log when the room is ahead), then
        what was held, then go live: from here on the room writes to this member directly."""
        self.last_id = last_id
        if catch_up_until is not None:
            await self._fill_up_to(catch_up_until)
        while (position := self.registry.position(self.room_id)) is not None and self.last_id < position:
            before = self.last_id
            await self._fill_up_to(position)
            if self.last_id == before:
                break  # the log has nothing more (deleted tail or a lost write): go on live
        held, self._held = self._held or [], None
        for message_id, data, origin in held:
            if message_id is None:
                if origin != self.id:
                    self.write(data)
            elif message_id > self.last_id:
                self.write(data)
                self.last_id = message_id
        self.registry.go_live(self)

    async def stop(self) -> None:
        self.registry.remove(self)

    async def close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # the socket may be gone already: nothing to tell
            await self._close_socket(code, reason)

    async def _fill_up_to(self, until: int) -> None:
        async for missed in missed_messages(self.fetch_after, self.room_id, self.last_id, until):
            self.write(b"".join(encode(frame_of(m)) for m in missed if not m.deleted))
            self.last_id = missed[-1].id


async def missed_messages(
    fetch_after: FetchAfter, room_id: int, after: int, until: int
) -> AsyncIterator[list[Message]]:
    """The room's stored messages after ``after`` up to ``until``, a page at a time, oldest first."""
    while after < until:
        page = await fetch_after(room_id, after, min(FILL_PAGE, until - after))
        missed = [m for m in page if m.id <= until]
        if not missed:
            return
        metrics.GAP_FILLS.inc(len(missed))
        yield missed
        after = missed[-1].id


def frame_of(message: Message) -> ServerFrame:
    return message_frame(message.id, message.user_id, message.username, message.text, message.at)


class MemberConnections:
    """Makes the connection of each member who enters a room on this replica."""

    def __init__(self, registry: MemberRegistry, fetch_after: FetchAfter, *, buffer_limit: int) -> None:
        self.registry = registry
        self.fetch_after = fetch_after
        self.buffer_limit = buffer_limit

    def connect(
        self,
        wire: Wire,
        close_socket: CloseSocket,
        *,
        room_id: int,
        album_id: int | None,
        user_id: int,
        username: str | None,
    ) -> MemberConnection:
        return MemberConnection(
            wire,
            close_socket,
            self.registry,
            room_id=room_id,
            album_id=album_id,
            user_id=user_id,
            username=username,
            buffer_limit=self.buffer_limit,
            fetch_after=self.fetch_after,
        )
