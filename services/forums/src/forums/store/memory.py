"""In-memory repositories for unit tests of the handlers.

The same contract tests run against these and the MongoDB ones
(``tests/integration/test_repositories.py``), so a fake cannot drift from the real store.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from chorus_backbone.memory import InMemoryIds
from chorus_backbone.mongo import Session
from forums.domain.models import Message, NewMessage, Record, Room


class InMemoryRoomRepository(InMemoryIds):
    def __init__(self) -> None:
        super().__init__()
        self.rooms: dict[int, Room] = {}
        self.logs: dict[int, list[Message]] = {}
        self.reports: dict[tuple[int, int, int], str] = {}

    async def add(self, room: Room, *, session: Session | None) -> None:
        self.rooms[room.id] = room
        self.logs[room.id] = []

    async def get(self, room_id: int) -> Room | None:
        return self.rooms.get(room_id)

    async def open_rooms(self, *, album_id: int | None = None, limit: int = 1000) -> list[Room]:
        found = [r for r in sorted(self.rooms.values(), key=lambda r: r.id) if not r.closed]
        return [r for r in found if album_id is None or r.album_id == album_id][:limit]

    async def open_count_by(self, creator_id: int) -> int:
        return sum(1 for r in self.rooms.values() if r.creator_id == creator_id and not r.closed)

    async def close(self, room_id: int, *, session: Session | None) -> bool:
        room = self.rooms.get(room_id)
        if room is None or room.closed:
            return False
        self.rooms[room_id] = replace(room, closed=True)
        return True

    async def append(
        self, room_id: int, entries: Sequence[NewMessage], *, session: Session | None
    ) -> list[Message] | None:
        room = self.rooms.get(room_id)
        if room is None or room.closed:
            return None
        log = self.logs[room_id]
        now = datetime.now(UTC)
        added = [
            Message(room_id, len(log) + offset + 1, e.user_id, e.username, e.text, now, False)
            for offset, e in enumerate(entries)
        ]
        log.extend(added)
        return added

    async def after(self, room_id: int, after_id: int, *, limit: int) -> list[Message]:
        return [m for m in self.logs.get(room_id, []) if m.id > after_id][:limit]

    async def latest(self, room_id: int, *, limit: int) -> list[Message]:
        return self.logs.get(room_id, [])[-limit:] if limit else []

    async def last_id(self, room_id: int) -> int:
        return len(self.logs.get(room_id, []))

    async def delete_message(self, room_id: int, message_id: int) -> bool:
        log = self.logs.get(room_id, [])
        if not 0 < message_id <= len(log) or log[message_id - 1].deleted:
            return False
        log[message_id - 1] = replace(log[message_id - 1], deleted=True, text="")
        return True

    async def message_exists(self, room_id: int, message_id: int) -> bool:
        return 0 < message_id <= len(self.logs.get(room_id, []))

    async def report(self, room_id: int, message_id: int, reporter: int, reason: str) -> None:
        self.reports[(room_id, message_id, reporter)] = reason


class InMemoryRecordRepository(InMemoryIds):
    def __init__(self) -> None:
        super().__init__()
        self.records: dict[int, Record] = {}

    async def add(self, user_id: int, moves: list[str], *, session: Session | None, record_id: int) -> Record:
        record = Record(record_id, user_id, moves, datetime.now(UTC))
        self.records[record_id] = record
        return record

    async def owned_by(self, user_id: int, *, limit: int, offset: int) -> list[Record]:
        owned = sorted(
            (r for r in self.records.values() if r.user_id == user_id),
            key=lambda r: (r.saved_at, r.id),
            reverse=True,
        )
        return [replace(r, moves=[]) for r in owned][offset : offset + limit]

    async def get(self, record_id: int, *, owner: int) -> Record | None:
        record = self.records.get(record_id)
        return record if record is not None and record.user_id == owner else None
