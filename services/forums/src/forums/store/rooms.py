"""Rooms and their message logs in MongoDB; message ids count up per room."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument

from chorus_backbone.mongo import Database, Document, Session, next_sequence
from forums.domain.models import Message, NewMessage, Room


def _room(document: Document) -> Room:
    return Room(
        id=document["_id"],
        creator_id=document["creator_id"],
        title=document["title"],
        album_id=document.get("album_id"),
        created_at=document["created_at"],
        closed=document.get("closed", False),
    )


def _message(document: Document) -> Message:
    return Message(
        room_id=document["room_id"],
        id=document["seq"],
        user_id=document["user_id"],
        username=document.get("username"),
        text=document["text"],
        at=document["at"],
        deleted=document.get("deleted", False),
    )


class MongoRoomRepository:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.rooms = database["rooms"]
        self.messages = database["messages"]
        self.reports = database["reports"]

    async def ensure_indexes(self) -> None:
        await self.rooms.create_index([("closed", ASCENDING), ("album_id", ASCENDING)], name="open_by_album")
        await self.rooms.create_index([("creator_id", ASCENDING), ("closed", ASCENDING)], name="by_creator")
        await self.messages.create_index(
            [("room_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="room_log"
        )

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
        await self.messages.insert_many(
            [
                {
                    "_id": f"{room_id}:{message.id}",
                    "room_id": room_id,
                    "seq": message.id,
                    "user_id": message.user_id,
                    "username": message.username,
                    "text": message.text,
                    "at": message.at,
                }
                for message in messages
            ],
            ordered=True,
            session=session,
        )
        return messages

    async def after(self, room_id: int, after_id: int, *, limit: int) -> list[Message]:
        """Messages after ``after_id``, oldest first (deleted ones included, to keep the count)."""
        cursor = (
            self.messages.find({"room_id": room_id, "seq": {"$gt": after_id}})
            .sort("seq", ASCENDING)
            .limit(limit)
        )
        return [_message(document) async for document in cursor]

    async def latest(self, room_id: int, *, limit: int) -> list[Message]:
        if limit <= 0:
            return []  # MongoDB reads a limit of 0 as "no limit"
        cursor = self.messages.find({"room_id": room_id}).sort("seq", DESCENDING).limit(limit)
        return list(reversed([_message(document) async for document in cursor]))

    async def last_id(self, room_id: int) -> int:
        document = await self.rooms.find_one({"_id": room_id}, {"last_seq": 1})
        return int(document["last_seq"]) if document else 0

    async def delete_message(self, room_id: int, message_id: int) -> bool:
        result = await self.messages.update_one(
            {"_id": f"{room_id}:{message_id}", "deleted": {"$ne": True}},
            {"$set": {"deleted": True, "text": ""}},
        )
        return result.modified_count == 1

    async def message_exists(self, room_id: int, message_id: int) -> bool:
        return await self.messages.count_documents({"_id": f"{room_id}:{message_id}"}, limit=1) > 0

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
