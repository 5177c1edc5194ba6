"""The reviews service's projection of users.events: usernames (the friend graph is shared code)."""

from chorus_backbone.friend_graph import MongoFriendGraph
from chorus_backbone.mongo import Database, Session
from chorus_backbone.projection import FIRST_GENERATION, Generation, LiveProjection


class MongoPeopleProjection(MongoFriendGraph):
    """Usernames for display, and (inherited) the friend graph for the feed."""

    def __init__(self, database: Database, generation: Generation = FIRST_GENERATION) -> None:
        super().__init__(database, generation.collection("friendships"))
        self.people = database[generation.collection("people")]

    async def remember_user(self, user_id: int, username: str, *, session: Session) -> None:
        await self.people.update_one(
            {"_id": user_id}, {"$set": {"username": username}}, upsert=True, session=session
        )

    async def usernames(self, user_ids: list[int]) -> dict[int, str]:
        cursor = self.people.find({"_id": {"$in": list(set(user_ids))}})
        return {document["_id"]: document["username"] async for document in cursor}


class LivePeopleDirectory:
    """The people projection's live generation (it changes when a replay switches it)."""

    def __init__(self, projection: LiveProjection[MongoPeopleProjection]) -> None:
        self.projection = projection

    async def usernames(self, user_ids: list[int]) -> dict[int, str]:
        return await (await self.projection.current()).usernames(user_ids)

    async def friends_of(self, user_id: int) -> list[int]:
        return await (await self.projection.current()).friends_of(user_id)
