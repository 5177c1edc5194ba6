"""Ratings and reviews in MongoDB (one per user and album), and likes of reviews."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pymongo import ASCENDING, DESCENDING, DeleteOne, ReplaceOne, UpdateOne
from pymongo.errors import OperationFailure

from chorus_backbone.mongo import Collection, Database, Document, IdBlocks, Session, once_per_database
from reviews.domain.aggregates import applied
from reviews.domain.models import Rating, RatingChange, ReviewSort

UNIQUE_PAIR_INDEX = "one_per_pair"
INDEX_NOT_FOUND = 27  # MongoDB's error code for dropping an index that does not exist


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
        version=document.get("version", 1),
    )


def _pair_key(album_id: int, user_id: int) -> str:
    """One indexed value naming a (album, user) pair: a batch's ratings are found with one ``$in``
    on it, which every MongoDB-wire server answers from the index (an ``$or`` of pairs may scan)."""
    return f"{album_id}:{user_id}"


def _document(rating: Rating) -> Document:
    return {
        "pair": _pair_key(rating.album_id, rating.user_id),
        "album_id": rating.album_id,
        "user_id": rating.user_id,
        "half_stars": rating.half_stars,
        "text": rating.text,
        "spoiler": rating.spoiler,
        "likes": rating.likes,
        "created_at": rating.created_at,
        "updated_at": rating.updated_at,
        "version": rating.version,
    }


@dataclass(frozen=True)
class _Write:
    """One rating's write: removed, stored whole, or only its changed fields set."""

    kind: Literal["delete", "replace", "set"]
    rating_id: int
    document: Document = field(default_factory=dict)

    def operation(self) -> DeleteOne | ReplaceOne[Document] | UpdateOne:
        match self.kind:
            case "delete":
                return DeleteOne({"_id": self.rating_id})
            case "replace":
                return ReplaceOne({"_id": self.rating_id}, self.document, upsert=True)
            case "set":
                return UpdateOne({"_id": self.rating_id}, {"$set": self.document})

    async def run(self, ratings: Collection, session: Session | None) -> None:
        """Alone, through its own call: the bulk API costs the client more than one write does."""
        match self.kind:
            case "delete":
                await ratings.delete_one({"_id": self.rating_id}, session=session)
            case "replace":
                await ratings.replace_one(
                    {"_id": self.rating_id}, self.document, upsert=True, session=session
                )
            case "set":
                await ratings.update_one({"_id": self.rating_id}, {"$set": self.document}, session=session)


def _write_of(before: Rating | None, after: Rating) -> _Write | None:
    """What takes the stored ``before`` to ``after``: the same rating gets only its changed fields
    (fewer index entries to touch, and a like counted meanwhile is left alone)."""
    if before is None or before.id != after.id:
        return _Write("replace", after.id, _document(after))
    was = _document(before)
    changed = {name: value for name, value in _document(after).items() if was[name] != value}
    return _Write("set", after.id, changed) if changed else None


class MongoRatingRepository:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.ratings = database["ratings"]
        self.likes = database["likes"]
        self._ids = IdBlocks(database, "ratings")

    async def ensure_indexes(self) -> None:
        await self.ratings.create_index(
            [("album_id", ASCENDING), ("updated_at", DESCENDING)], name="album_newest"
        )
        await self.ratings.create_index(
            [("album_id", ASCENDING), ("likes", DESCENDING)], name="album_most_liked"
        )
        await self.ratings.create_index(
            [("user_id", ASCENDING), ("updated_at", DESCENDING)], name="user_newest"
        )
        await once_per_database(self.database, "ratings.pair", self._key_unkeyed_ratings)
        # The pair key both finds a batch's ratings and keeps one rating per user and album. Every
        # index costs each rating write (on SecantusDB ~0.4 ms per index, even one whose key did
        # not change), so it replaces the earlier plain pair index and unique compound index. The
        # plain one goes first: MongoDB refuses a second index on the same key.
        await self._drop_index("by_pair")
        await self.ratings.create_index("pair", unique=True, name=UNIQUE_PAIR_INDEX)
        await self._drop_index("one_per_user_album")

    async def _drop_index(self, name: str) -> None:
        try:
            await self.ratings.drop_index(name)
        except OperationFailure as error:
            if error.code != INDEX_NOT_FOUND:  # gone already: dropped by an earlier start or a replica
                raise

    async def _key_unkeyed_ratings(self) -> None:
        """Give ratings stored before the pair key existed their key."""
        unkeyed = self.ratings.find({"pair": {"$exists": False}}, {"album_id": 1, "user_id": 1})
        writes = [
            UpdateOne({"_id": d["_id"]}, {"$set": {"pair": _pair_key(d["album_id"], d["user_id"])}})
            async for d in unkeyed
        ]
        if writes:
            await self.ratings.bulk_write(writes, ordered=False)

    async def next_id(self) -> int:
        return await self._ids.next_id()

    async def get(self, rating_id: int, *, session: Session | None = None) -> Rating | None:
        document = await self.ratings.find_one({"_id": rating_id}, session=session)
        return _rating(document) if document else None

    async def of_user_for_album(
        self, user_id: int, album_id: int, *, session: Session | None
    ) -> Rating | None:
        document = await self.ratings.find_one({"pair": _pair_key(album_id, user_id)}, session=session)
        return _rating(document) if document else None

    async def apply(
        self, changes: Sequence[RatingChange], *, session: Session | None
    ) -> list[tuple[Rating | None, Rating | None]]:
        """Apply ``changes`` in order (each sees the ones before it): every rating before and after.

        One read for every rating the changes touch, one write for all of them.
        """
        stored = await self._stored(changes, session)
        current: dict[tuple[int, int], Rating | None] = dict(stored)
        results = []
        for change in changes:
            key = (change.album_id, change.user_id)
            before = current.get(key)
            current[key] = applied(before, change)
            results.append((before, current[key]))
        await self._write(stored, current, session)
        return results

    async def _stored(
        self, changes: Sequence[RatingChange], session: Session | None
    ) -> dict[tuple[int, int], Rating]:
        pairs = list({_pair_key(change.album_id, change.user_id) for change in changes})
        if len(pairs) == 1:  # the usual quiet-time batch: a single-document read is the cheaper call
            found = await self.ratings.find_one({"pair": pairs[0]}, session=session)
            documents = [found] if found else []
        else:
            documents = await self.ratings.find({"pair": {"$in": pairs}}, session=session).to_list()
        return {(d["album_id"], d["user_id"]): _rating(d) for d in documents}

    async def _write(
        self,
        stored: dict[tuple[int, int], Rating],
        final: dict[tuple[int, int], Rating | None],
        session: Session | None,
    ) -> None:
        removals = [
            stored[key].id
            for key, rating in final.items()
            if key in stored and (rating is None or rating.id != stored[key].id)
        ]
        writes = [_Write("delete", rating_id) for rating_id in removals]
        writes += [
            write for key, rating in final.items() if rating and (write := _write_of(stored.get(key), rating))
        ]
        if len(writes) == 1:
            await writes[0].run(self.ratings, session)
        elif writes:
            await self.ratings.bulk_write(
                [write.operation() for write in writes], ordered=True, session=session
            )
        if removals:
            await self.likes.delete_many({"review_id": {"$in": removals}}, session=session)

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
