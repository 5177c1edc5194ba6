"""The reviews service's projection of users.events: usernames and the friend graph."""

from pymongo import ASCENDING

from chorus_backbone.mongo import Database, Session


def _pair_id(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


class MongoPeopleProjection:
    def __init__(self, database: Database) -> None:
        self.people = database["people"]
        self.friendships = database["friendships"]

    async def ensure_indexes(self) -> None:
        await self.friendships.create_index([("users", ASCENDING)], name="by_member")

    async def remember_user(self, user_id: int, username: str, *, session: Session) -> None:
        await self.people.update_one(
            {"_id": user_id}, {"$set": {"username": username}}, upsert=True, session=session
        )

    async def befriend(self, a: int, b: int, *, session: Session) -> None:
        await self.friendships.update_one(
            {"_id": _pair_id(a, b)}, {"$set": {"users": sorted((a, b))}}, upsert=True, session=session
        )

    async def unfriend(self, a: int, b: int, *, session: Session) -> None:
        await self.friendships.delete_one({"_id": _pair_id(a, b)}, session=session)

    async def usernames(self, user_ids: list[int]) -> dict[int, str]:
        cursor = self.people.find({"_id": {"$in": list(set(user_ids))}})
        return {document["_id"]: document["username"] async for document in cursor}

    async def friends_of(self, user_id: int, limit: int = 5_000) -> list[int]:
        cursor = self.friendships.find({"users": user_id}).limit(limit)
        return [
            next(member for member in document["users"] if member != user_id) async for document in cursor
        ]
