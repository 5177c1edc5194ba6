"""What forums keeps from the bus: albums and their averages, and the friend graph."""

from pymongo import ASCENDING

from chorus_backbone.mongo import Database, Session


def _pair_id(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


class MongoForumProjections:
    def __init__(self, database: Database) -> None:
        self.albums = database["albums"]
        self.friendships = database["friendships"]

    async def ensure_indexes(self) -> None:
        await self.friendships.create_index([("users", ASCENDING)], name="by_member")

    async def remember_album(self, album_id: int, title: str, *, session: Session) -> None:
        await self.albums.update_one(
            {"_id": album_id},
            {"$set": {"title": title}, "$setOnInsert": {"avg_rating": 0.0, "ratings_count": 0}},
            upsert=True,
            session=session,
        )

    async def set_average(
        self, album_id: int, avg_rating: float, ratings_count: int, *, session: Session
    ) -> None:
        await self.albums.update_one(
            {"_id": album_id},
            {"$set": {"avg_rating": avg_rating, "ratings_count": ratings_count}},
            upsert=True,
            session=session,
        )

    async def album(self, album_id: int) -> dict[str, object] | None:
        return await self.albums.find_one({"_id": album_id})

    async def averages(self, album_ids: list[int]) -> dict[int, float]:
        cursor = self.albums.find({"_id": {"$in": album_ids}}, {"avg_rating": 1})
        return {document["_id"]: float(document.get("avg_rating", 0.0)) async for document in cursor}

    async def befriend(self, a: int, b: int, *, session: Session) -> None:
        await self.friendships.update_one(
            {"_id": _pair_id(a, b)}, {"$set": {"users": sorted((a, b))}}, upsert=True, session=session
        )

    async def unfriend(self, a: int, b: int, *, session: Session) -> None:
        await self.friendships.delete_one({"_id": _pair_id(a, b)}, session=session)

    async def friends_of(self, user_id: int, limit: int = 5_000) -> set[int]:
        cursor = self.friendships.find({"users": user_id}).limit(limit)
        return {next(m for m in document["users"] if m != user_id) async for document in cursor}
