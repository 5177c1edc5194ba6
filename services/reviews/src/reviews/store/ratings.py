"""Ratings and reviews in MongoDB (one per user and album), and likes of reviews."""

from datetime import UTC, datetime

from pymongo import ASCENDING, DESCENDING

from chorus_backbone.mongo import Database, Document, Session, next_sequence
from reviews.domain.models import Rating, ReviewSort


def _rating(document: Document) -> Rating:
    return Rating(
        id=document["_id"],
        album_id=document["album_id"],
        user_id=document["user_id"],
        half_stars=document["half_stars"],
        text=document.get("text"),
        spoiler=document.get("spoiler", False),
        likes=document.get("likes", 0),
        created_at=document["created_at"],
        updated_at=document["updated_at"],
    )


class MongoRatingRepository:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.ratings = database["ratings"]
        self.likes = database["likes"]

    async def ensure_indexes(self) -> None:
        await self.ratings.create_index(
            [("album_id", ASCENDING), ("user_id", ASCENDING)], unique=True, name="one_per_user_album"
        )
        await self.ratings.create_index(
            [("album_id", ASCENDING), ("updated_at", DESCENDING)], name="album_newest"
        )
        await self.ratings.create_index(
            [("album_id", ASCENDING), ("likes", DESCENDING)], name="album_most_liked"
        )
        await self.ratings.create_index(
            [("user_id", ASCENDING), ("updated_at", DESCENDING)], name="user_newest"
        )

    async def next_id(self) -> int:
        return await next_sequence(self.database, "ratings")

    async def get(self, rating_id: int, *, session: Session | None = None) -> Rating | None:
        document = await self.ratings.find_one({"_id": rating_id}, session=session)
        return _rating(document) if document else None

    async def of_user_for_album(
        self, user_id: int, album_id: int, *, session: Session | None
    ) -> Rating | None:
        document = await self.ratings.find_one({"album_id": album_id, "user_id": user_id}, session=session)
        return _rating(document) if document else None

    async def save(self, rating: Rating, *, session: Session | None) -> None:
        await self.ratings.replace_one(
            {"_id": rating.id},
            {
                "album_id": rating.album_id,
                "user_id": rating.user_id,
                "half_stars": rating.half_stars,
                "text": rating.text,
                "spoiler": rating.spoiler,
                "likes": rating.likes,
                "created_at": rating.created_at,
                "updated_at": rating.updated_at,
            },
            upsert=True,
            session=session,
        )

    async def set_half_stars(self, rating_id: int, half_stars: int, *, session: Session | None) -> None:
        await self.ratings.update_one(
            {"_id": rating_id},
            {"$set": {"half_stars": half_stars, "updated_at": datetime.now(UTC)}},
            session=session,
        )

    async def delete(self, rating_id: int, *, session: Session | None) -> None:
        await self.ratings.delete_one({"_id": rating_id}, session=session)
        await self.likes.delete_many({"review_id": rating_id}, session=session)

    async def for_album(self, album_id: int, *, sort: ReviewSort, limit: int, offset: int) -> list[Rating]:
        order = (
            [("updated_at", DESCENDING), ("_id", DESCENDING)]
            if sort is ReviewSort.NEWEST
            else [("likes", DESCENDING), ("updated_at", DESCENDING)]
        )
        cursor = self.ratings.find({"album_id": album_id}).sort(order).skip(offset).limit(limit)
        return [_rating(document) async for document in cursor]

    async def by_users(self, user_ids: list[int], *, limit: int, offset: int) -> list[Rating]:
        cursor = (
            self.ratings.find({"user_id": {"$in": user_ids}})
            .sort([("updated_at", DESCENDING), ("_id", DESCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [_rating(document) async for document in cursor]

    async def like(self, review_id: int, user_id: int, *, session: Session | None) -> bool:
        """Record a like; False when this user already liked it."""
        marker = {"_id": f"{review_id}:{user_id}"}
        if await self.likes.find_one(marker, session=session):
            return False
        await self.likes.insert_one({**marker, "review_id": review_id, "user_id": user_id}, session=session)
        await self.ratings.update_one({"_id": review_id}, {"$inc": {"likes": 1}}, session=session)
        return True

    async def unlike(self, review_id: int, user_id: int, *, session: Session | None) -> bool:
        deleted = await self.likes.delete_one({"_id": f"{review_id}:{user_id}"}, session=session)
        if not deleted.deleted_count:
            return False
        await self.ratings.update_one({"_id": review_id}, {"$inc": {"likes": -1}}, session=session)
        return True
