"""Friendships in MongoDB: one document per unordered pair of users."""

from datetime import UTC, datetime
from typing import Protocol

from pymongo import ASCENDING

from chorus_backbone.mongo import Database, Document, Session
from users.domain.friendships import Pair, PairStatus, pair_id


class FriendshipRepository(Protocol):
    """Where pairs of users stand with each other."""

    async def get(self, a: int, b: int, *, session: Session | None) -> Pair | None: ...
    async def request(self, sender: int, receiver: int, *, session: Session | None) -> None: ...
    async def befriend(self, a: int, b: int, *, session: Session | None) -> None: ...
    async def forget(self, a: int, b: int, *, session: Session | None) -> None: ...
    async def requesters_of(self, user_id: int, *, limit: int, offset: int) -> list[int]: ...
    async def friends_of(self, user_id: int, *, limit: int, offset: int) -> list[int]: ...


def _pair(document: Document) -> Pair:
    return Pair(
        status=PairStatus(document["status"]),
        requested_by=document["requested_by"],
        requested_to=document["requested_to"],
    )


class MongoFriendshipRepository:
    def __init__(self, database: Database) -> None:
        self.pairs = database["friendships"]

    async def ensure_indexes(self) -> None:
        await self.pairs.create_index(
            [("requested_to", ASCENDING), ("status", ASCENDING), ("updated_at", ASCENDING)],
            name="pending_by_receiver",
        )
        await self.pairs.create_index([("users", ASCENDING), ("status", ASCENDING)], name="by_member")

    async def get(self, a: int, b: int, *, session: Session | None) -> Pair | None:
        document = await self.pairs.find_one({"_id": pair_id(a, b)}, session=session)
        return _pair(document) if document else None

    async def request(self, sender: int, receiver: int, *, session: Session | None) -> None:
        await self.pairs.insert_one(
            {
                "_id": pair_id(sender, receiver),
                "users": sorted((sender, receiver)),
                "status": PairStatus.PENDING.value,
                "requested_by": sender,
                "requested_to": receiver,
                "updated_at": datetime.now(UTC),
            },
            session=session,
        )

    async def befriend(self, a: int, b: int, *, session: Session | None) -> None:
        await self.pairs.update_one(
            {"_id": pair_id(a, b)},
            {"$set": {"status": PairStatus.FRIENDS.value, "updated_at": datetime.now(UTC)}},
            session=session,
        )

    async def forget(self, a: int, b: int, *, session: Session | None) -> None:
        await self.pairs.delete_one({"_id": pair_id(a, b)}, session=session)

    async def requesters_of(self, user_id: int, *, limit: int, offset: int) -> list[int]:
        cursor = (
            self.pairs.find({"requested_to": user_id, "status": PairStatus.PENDING.value})
            .sort("updated_at", ASCENDING)
            .skip(offset)
            .limit(limit)
        )
        return [document["requested_by"] async for document in cursor]

    async def friends_of(self, user_id: int, *, limit: int, offset: int) -> list[int]:
        cursor = (
            self.pairs.find({"users": user_id, "status": PairStatus.FRIENDS.value})
            .sort("_id", ASCENDING)
            .skip(offset)
            .limit(limit)
        )
        return [
            next(member for member in document["users"] if member != user_id) async for document in cursor
        ]
