"""Rooms and their message logs in MongoDB; message ids count up per room."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, ReplaceOne, ReturnDocument

from chorus_backbone.mongo import Database, Document, Session, next_sequence, once_per_database
from forums.domain.models import Message, NewMessage, Room
from forums.store.log_pages import PAGES_COLLECTION, messages_of, page_of, pages_from_messages

PAGE_SIZE = 64  # messages per page at most: a message's page is found among this many


def _room(document: Document) -> Room:
    return Room(
        id=document["_id"],
        creator_id=document["creator_id"],
        title=document["title"],
        album_id=document.get("album_id"),
        created_at=document["created_at"],
        closed=document.get("closed", False),
    )


class MongoRoomRepository:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.rooms = database["rooms"]
        self.pages = database[PAGES_COLLECTION]
        self.reports = database["reports"]
        self._earlier_messages = database["messages"]  # the log's earlier shape: one per document

    async def ensure_indexes(self) -> None:
        await self.rooms.create_index([("closed", ASCENDING), ("album_id", ASCENDING)], name="open_by_album")
        await self.rooms.create_index([("creator_id", ASCENDING), ("closed", ASCENDING)], name="by_creator")
        await self.pages.create_index([("room_id", ASCENDING), ("last", ASCENDING)], name="room_log")
        await once_per_database(self.database, "messages.pages", self._page_earlier_messages)

    async def _page_earlier_messages(self) -> None:
        """Copy messages stored one per document into pages (replaced by id: safe to repeat)."""
        chunk: list[Document] = []
        async for document in self._earlier_messages.find({}):
            chunk.append(document)
            if len(chunk) == 1000:
                await self._store_pages(pages_from_messages(chunk))
                chunk = []
        await self._store_pages(pages_from_messages(chunk))

    async def _store_pages(self, pages: list[Document]) -> None:
        if pages:
            await self.pages.bulk_write([ReplaceOne({"_id": p["_id"]}, p, upsert=True) for p in pages])

    async def next_id(self) -> int:
        return await next_sequence(self.database, "rooms")

    async def add(self, room: Room, *, session: Session | None) -> None:
        await self.rooms.insert_one(
            {
                "_id": room.id,
                "creator_id": room.creator_id,
                "title": room.title,
                "album_id": room.album_id,
                "created_at": room.created_at,
                "closed": False,
                "last_seq": 0,
            },
            session=session,
        )

    async def get(self, room_id: int) -> Room | None:
        document = await self.rooms.find_one({"_id": room_id})
        return _room(document) if document else None

    async def open_rooms(self, *, album_id: int | None = None, limit: int = 1000) -> list[Room]:
        query: dict[str, Any] = {"closed": False}
        if album_id is not None:
            query["album_id"] = album_id
        cursor = self.rooms.find(query).sort("_id", ASCENDING).limit(limit)
        return [_room(document) async for document in cursor]

    async def open_count_by(self, creator_id: int) -> int:
        return await self.rooms.count_documents({"creator_id": creator_id, "closed": False})

    async def close(self, room_id: int, *, session: Session | None) -> bool:
        """Mark closed; False when it already was (another replica got there first)."""
        result = await self.rooms.update_one(
            {"_id": room_id, "closed": False},
            {"$set": {"closed": True, "closed_at": datetime.now(UTC)}},
            session=session,
        )
        return result.modified_count == 1

    async def append(
        self, room_id: int, entries: Sequence[NewMessage], *, session: Session | None
    ) -> list[Message] | None:
        """Add messages at the end of an open room's log, in order; None when the room is closed.

        One counter update for the whole batch: the room's document is the one every
        message of the room writes, so fewer, larger writes conflict less."""
        room = await self.rooms.find_one_and_update(
            {"_id": room_id, "closed": False},
            {"$inc": {"last_seq": len(entries)}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if room is None:
            return None
        first = room["last_seq"] - len(entries) + 1
        now = datetime.now(UTC)
        messages = [
            Message(room_id, first + offset, entry.user_id, entry.username, entry.text, now, False)
            for offset, entry in enumerate(entries)
        ]
        pages = [
            page_of(room_id, messages[start : start + PAGE_SIZE], now)
            for start in range(0, len(messages), PAGE_SIZE)
        ]
        await self.pages.insert_many(pages, ordered=True, session=session)
        return messages

    async def after(self, room_id: int, after_id: int, *, limit: int) -> list[Message]:
        """Messages after ``after_id``, oldest first (deleted ones included, to keep the count)."""
        if limit <= 0:
            return []
        # Ids count up one by one: the ``limit`` messages after ``after_id`` are the next ids.
        query = {"room_id": room_id, "last": {"$gt": after_id}, "first": {"$lte": after_id + limit}}
        pages = [page async for page in self.pages.find(query)]
        found = [m for page in pages for m in messages_of(page) if after_id < m.id <= after_id + limit]
        return sorted(found, key=lambda message: message.id)

    async def latest(self, room_id: int, *, limit: int) -> list[Message]:
        if limit <= 0:
            return []
        return await self.after(room_id, max(0, await self.last_id(room_id) - limit), limit=limit)

    async def last_id(self, room_id: int) -> int:
        document = await self.rooms.find_one({"_id": room_id}, {"last_seq": 1})
        return int(document["last_seq"]) if document else 0

    async def _page_holding(self, room_id: int, message_id: int) -> Document | None:
        query = {
            "room_id": room_id,
            "last": {"$gte": message_id, "$lt": message_id + PAGE_SIZE},
            "first": {"$lte": message_id},
        }
        return await self.pages.find_one(query)

    async def delete_message(self, room_id: int, message_id: int) -> bool:
        """Blank a message in its place; False when there is none or it was deleted already."""
        page = await self._page_holding(room_id, message_id)
        if page is None:
            return False
        result = await self.pages.update_one(
            {"_id": page["_id"], "deleted": {"$ne": message_id}},
            {
                "$addToSet": {"deleted": message_id},
                "$set": {f"messages.{message_id - page['first']}.text": ""},
            },
        )
        return result.modified_count == 1

    async def message_exists(self, room_id: int, message_id: int) -> bool:
        return await self._page_holding(room_id, message_id) is not None

    async def report(self, room_id: int, message_id: int, reporter: int, reason: str) -> None:
        """Keep a report for moderators (one per reporter and message)."""
        await self.reports.update_one(
            {"_id": f"{room_id}:{message_id}:{reporter}"},
            {
                "$set": {"reason": reason, "at": datetime.now(UTC)},
                "$setOnInsert": {"room_id": room_id, "message_id": message_id, "reporter": reporter},
            },
            upsert=True,
        )
