"""Saved room logs ("records"), each owned by one user."""

from datetime import UTC, datetime

from pymongo import ASCENDING, DESCENDING

from chorus_backbone.mongo import Database, Session, next_sequence
from forums.domain.models import Record


class MongoRecordRepository:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.records = database["records"]

    async def ensure_indexes(self) -> None:
        await self.records.create_index([("user_id", ASCENDING), ("saved_at", DESCENDING)], name="by_owner")

    async def add(self, user_id: int, moves: list[str], *, session: Session | None, record_id: int) -> Record:
        record = Record(record_id, user_id, moves, datetime.now(UTC))
        await self.records.insert_one(
            {"_id": record.id, "user_id": user_id, "moves": moves, "saved_at": record.saved_at},
            session=session,
        )
        return record

    async def next_id(self) -> int:
        return await next_sequence(self.database, "records")

    async def owned_by(self, user_id: int, *, limit: int, offset: int) -> list[Record]:
        cursor = (
            self.records.find({"user_id": user_id}, {"moves": 0})
            .sort([("saved_at", DESCENDING), ("_id", DESCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [Record(d["_id"], d["user_id"], [], d["saved_at"]) async for d in cursor]

    async def get(self, record_id: int, *, owner: int) -> Record | None:
        document = await self.records.find_one({"_id": record_id, "user_id": owner})
        if document is None:
            return None
        return Record(document["_id"], document["user_id"], document["moves"], document["saved_at"])
