"""The members connected to this replica, by room; frames from the bus go to them."""

from collections import defaultdict
from typing import Any

from forums.live.member import MemberConnection


class LocalHub:
    def __init__(self) -> None:
        self.rooms: dict[int, set[MemberConnection]] = defaultdict(set)

    def add(self, member: MemberConnection) -> None:
        self.rooms[member.room_id].add(member)

    def remove(self, member: MemberConnection) -> None:
        members = self.rooms.get(member.room_id)
        if members is not None:
            members.discard(member)
            if not members:
                del self.rooms[member.room_id]

    async def deliver(self, room_id: int, frame: dict[str, Any]) -> None:
        for member in list(self.rooms.get(room_id, ())):
            member.offer(frame)

    def entries(self) -> list[tuple[int, int, str]]:
        return [(m.room_id, m.user_id, m.id) for members in self.rooms.values() for m in members]

    def count(self) -> int:
        return sum(len(members) for members in self.rooms.values())
