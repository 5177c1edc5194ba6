"""The friend graph as a projection of users.events, for services that need to know who is friends."""

from pymongo import ASCENDING

from chorus_backbone.mongo import Database, Session
from chorus_schemas.events.users import FriendAccepted, FriendRemoved


def _pair_id(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


class MongoFriendGraph:
    """One document per pair of friends, kept from FriendAccepted and FriendRemoved."""

    def __init__(self, database: Database, collection: str = "friendships") -> None:
        self.pairs = database[collection]

    async def ensure_indexes(self) -> None:
        await self.pairs.create_index([("users", ASCENDING)], name="by_member")

    async def befriend(self, a: int, b: int, *, session: Session) -> None:
        await self.pairs.update_one(
            {"_id": _pair_id(a, b)}, {"$set": {"users": sorted((a, b))}}, upsert=True, session=session
        )

    async def unfriend(self, a: int, b: int, *, session: Session) -> None:
        await self.pairs.delete_one({"_id": _pair_id(a, b)}, session=session)

    async def friends_of(self, user_id: int, limit: int = 5_000) -> list[int]:
        cursor = self.pairs.find({"users": user_id}).limit(limit)
        return [next(member for member in d["users"] if member != user_id) async for d in cursor]


async def friend_accepted(graph: MongoFriendGraph, event: FriendAccepted, session: Session) -> None:
    """The projection change for FriendAccepted, for any projection that keeps the graph."""
    await graph.befriend(event.sender_id, event.receiver_id, session=session)


async def friend_removed(graph: MongoFriendGraph, event: FriendRemoved, session: Session) -> None:
    await graph.unfriend(event.user_id, event.friend_id, session=session)
