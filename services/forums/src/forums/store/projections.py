"""What forums keeps from the bus: albums and their averages, and the friend graph."""

from chorus_backbone.friend_graph import MongoFriendGraph
from chorus_backbone.mongo import Database, Session
from chorus_backbone.projection import FIRST_GENERATION, Generation, LiveProjection


class MongoForumProjections(MongoFriendGraph):
    """Album titles and averages for discovery, and (inherited) the friend graph for friends_in."""

    def __init__(self, database: Database, generation: Generation = FIRST_GENERATION) -> None:
        super().__init__(database, generation.collection("friendships"))
        self.albums = database[generation.collection("albums")]

    async def remember_album(self, album_id: int, title: str, *, session: Session) -> None:
        await self.albums.update_one(
            {"_id": album_id},
            {"$set": {"title": title}, "$setOnInsert": {"avg_rating": 0.0, "ratings_count": 0}},
            upsert=True,
            session=session,
        )

    async def set_average(
        self, album_id: int, avg_rating: float, ratings_count: int, *, sequence: int = 0, session: Session
    ) -> None:
        """Keep the album's average; one older (by ``sequence``) than the one kept is dropped.

        One statement either way: the comparison runs in the server (an update pipeline), so
        the newest average is kept without reading the album first."""
        newer = {"$lt": [{"$ifNull": ["$sequence", 0]}, sequence]} if sequence else True
        fields = {"avg_rating": avg_rating, "ratings_count": ratings_count, "sequence": sequence}
        await self.albums.update_one(
            {"_id": album_id},
            [
                {
                    "$set": {
                        name: {"$cond": [newer, {"$literal": value}, f"${name}"]}
                        for name, value in fields.items()
                    }
                }
            ],
            upsert=True,
            session=session,
        )

    async def album(self, album_id: int) -> dict[str, object] | None:
        return await self.albums.find_one({"_id": album_id})

    async def averages(self, album_ids: list[int]) -> dict[int, float]:
        cursor = self.albums.find({"_id": {"$in": album_ids}}, {"avg_rating": 1})
        return {document["_id"]: float(document.get("avg_rating", 0.0)) async for document in cursor}


class LiveForumProjections:
    """The forums projection's live generation (it changes when a replay switches it)."""

    def __init__(self, projection: LiveProjection[MongoForumProjections]) -> None:
        self.projection = projection

    async def album_title(self, album_id: int) -> str | None:
        album = await (await self.projection.current()).album(album_id)
        return None if album is None else str(album.get("title", ""))

    async def averages(self, album_ids: list[int]) -> dict[int, float]:
        return await (await self.projection.current()).averages(album_ids)

    async def friends_of(self, user_id: int) -> list[int]:
        return await (await self.projection.current()).friends_of(user_id)
