"""The members connected to this replica, by room; frames from the bus go to them."""

import asyncio
from collections import defaultdict
from typing import Any

from chorus_schemas.live_room import CloseCode
from forums.live import metrics
from forums.live.member import INTERNAL_KEYS, MemberConnection, Outgoing


class LocalHub:
    def __init__(self) -> None:
        self.rooms: dict[int, set[MemberConnection]] = defaultdict(set)

    def add(self, member: MemberConnection) -> None:
        self.rooms[member.room_id].add(member)
        self._observe()

    def remove(self, member: MemberConnection) -> None:
        members = self.rooms.get(member.room_id)
        if members is not None:
            members.discard(member)
            if not members:
                del self.rooms[member.room_id]
        self._observe()

    def _observe(self) -> None:
        metrics.LIVE_ROOMS.set(len(self.rooms))
        metrics.LIVE_MEMBERS.set(self.count())

    async def deliver(self, room_id: int, frame: dict[str, Any], encoded: bytes | None = None) -> None:
        # The bus's bytes are the frame already encoded: members send them as they are.
        text = encoded.decode() if encoded is not None and not INTERNAL_KEYS & frame.keys() else None
        outgoing = Outgoing(frame, text)
        for member in list(self.rooms.get(room_id, ())):
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
