"""The members connected to this replica, by room and by album; frames from the bus go to them."""

import asyncio
from collections import OrderedDict, defaultdict
from typing import Any

from chorus_schemas.live_room import CloseCode
from forums.live import metrics
from forums.live.member import INTERNAL_KEYS, MemberConnection, Outgoing

# Event frames carry their event's id; an event delivered again (a consumer that
# read it twice) within this many recent events is shown once.
RECENT_EVENTS = 10_000


class LocalHub:
    def __init__(self) -> None:
        self.rooms: dict[int, set[MemberConnection]] = defaultdict(set)
        self.albums: dict[int, set[MemberConnection]] = defaultdict(set)
        self._recent_events: OrderedDict[str, None] = OrderedDict()

    def add(self, member: MemberConnection) -> None:
        self.rooms[member.room_id].add(member)
        if member.album_id is not None:
            self.albums[member.album_id].add(member)
        self._observe()

    def remove(self, member: MemberConnection) -> None:
        _discard(self.rooms, member.room_id, member)
        if member.album_id is not None:
            _discard(self.albums, member.album_id, member)
        self._observe()

    def _observe(self) -> None:
        metrics.LIVE_ROOMS.set(len(self.rooms))
        metrics.LIVE_MEMBERS.set(self.count())

    async def deliver(self, room_id: int, frame: dict[str, Any], encoded: bytes | None = None) -> None:
        self._offer(self.rooms.get(room_id, ()), frame, encoded)

    async def deliver_to_album(
        self, album_id: int, frame: dict[str, Any], encoded: bytes | None = None
    ) -> None:
        if self._seen(frame.get("id")):
            return
        self._offer(self.albums.get(album_id, ()), frame, encoded)

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
    def _offer(
        members: set[MemberConnection] | tuple[()], frame: dict[str, Any], encoded: bytes | None
    ) -> None:
        # The bus's bytes are the frame already encoded: members send them as they are.
        text = encoded.decode() if encoded is not None and not INTERNAL_KEYS & frame.keys() else None
        outgoing = Outgoing(frame, text)
        for member in list(members):
            member.offer(outgoing)

    def entries(self) -> list[tuple[int, int, str]]:
        return [(m.room_id, m.user_id, m.id) for members in self.rooms.values() for m in members]

    def count(self) -> int:
        return sum(len(members) for members in self.rooms.values())

    async def send_everyone_away(self) -> int:
        """Close every member's socket with 1001: this replica is stopping, and a client that
        reconnects with ``since`` (to another replica) gets every message it has not seen."""
        members = [member for members in self.rooms.values() for member in members]
        reason = "going away: reconnect with since to resume"
        await asyncio.gather(*(member.close(CloseCode.GOING_AWAY, reason) for member in members))
        return len(members)


def _discard(index: dict[int, set[MemberConnection]], key: int, member: MemberConnection) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(member)
        if not members:
            del index[key]
