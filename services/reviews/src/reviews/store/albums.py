"""The catalog in MongoDB, each album carrying its rating aggregate."""

import re
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument

from chorus_backbone.mongo import Database, Document, Session, next_sequence
from reviews.domain.models import Aggregate, Album, AlbumQuery, AlbumSort
from reviews.domain.scores import average

_SORTS: dict[AlbumSort, list[tuple[str, int]]] = {
    AlbumSort.RATING: [("avg_rating", DESCENDING), ("ratings_count", DESCENDING), ("_id", ASCENDING)],
    AlbumSort.COUNT: [("ratings_count", DESCENDING), ("avg_rating", DESCENDING), ("_id", ASCENDING)],
    AlbumSort.DATE: [("year", DESCENDING), ("_id", ASCENDING)],
    AlbumSort.TITLE: [("title_key", ASCENDING), ("_id", ASCENDING)],
}


def _aggregate(document: Document) -> Aggregate:
    return Aggregate(
        ratings_count=document.get("ratings_count", 0),
        half_star_sum=document.get("half_star_sum", 0),
        avg_rating=document.get("avg_rating", 0.0),
        histogram={int(k): v for k, v in document.get("histogram", {}).items() if v},
    )


def _album(document: Document) -> Album:
    return Album(
        id=document["_id"],
        title=document["title"],
        artist=document["artist"],
        year=document.get("year"),
        genres=document.get("genres", []),
        created_at=document["created_at"],
        aggregate=_aggregate(document),
    )


class MongoAlbumRepository:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.albums = database["albums"]

    async def ensure_indexes(self) -> None:
        await self.albums.create_index(
            [("artist_key", ASCENDING), ("title_key", ASCENDING)], unique=True, name="unique_album"
        )
        for name, keys in _SORTS.items():
            await self.albums.create_index(keys, name=f"sort_{name}")
        await self.albums.create_index("genres", name="by_genre")

    async def next_id(self) -> int:
        return await next_sequence(self.database, "albums")

    async def add(self, album: Album, *, session: Session | None = None) -> None:
        await self.albums.insert_one(
            {
                "_id": album.id,
                "title": album.title,
                "artist": album.artist,
                "title_key": album.title.casefold(),
                "artist_key": album.artist.casefold(),
                "year": album.year,
                "genres": album.genres,
                "created_at": album.created_at,
                "ratings_count": 0,
                "half_star_sum": 0,
                "avg_rating": 0.0,
                "histogram": {},
            },
            session=session,
        )

    async def get(self, album_id: int, *, session: Session | None = None) -> Album | None:
        document = await self.albums.find_one({"_id": album_id}, session=session)
        return _album(document) if document else None

    async def known_keys(self) -> set[tuple[str, str]]:
        cursor = self.albums.find({}, {"artist_key": 1, "title_key": 1})
        return {(document["artist_key"], document["title_key"]) async for document in cursor}

    async def search(self, query: AlbumQuery) -> list[Album]:
        match: dict[str, Any] = {}
        if query.text:
            pattern = re.escape(query.text.casefold())
            match["$or"] = [{"title_key": {"$regex": pattern}}, {"artist_key": {"$regex": pattern}}]
        if query.genre:
            match["genres"] = query.genre.casefold()
        if query.year is not None:
            match["year"] = query.year
        cursor = self.albums.find(match).sort(_SORTS[query.sort]).skip(query.offset).limit(query.limit)
        return [_album(document) async for document in cursor]

    async def apply_rating_change(
        self, album_id: int, old: int | None, new: int | None, *, session: Session | None
    ) -> Aggregate | None:
        """Move one rating from half-star ``old`` to ``new`` (None: absent); the new aggregate."""
        increments: dict[str, int] = {
            "ratings_count": (new is not None) - (old is not None),
            "half_star_sum": (new or 0) - (old or 0),
        }
        if old is not None:
            increments[f"histogram.{old}"] = increments.get(f"histogram.{old}", 0) - 1
        if new is not None:
            increments[f"histogram.{new}"] = increments.get(f"histogram.{new}", 0) + 1
        updated = await self.albums.find_one_and_update(
            {"_id": album_id},
            {"$inc": increments},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if updated is None:
            return None
        avg = average(updated["half_star_sum"], updated["ratings_count"])
        await self.albums.update_one({"_id": album_id}, {"$set": {"avg_rating": avg}}, session=session)
        return _aggregate({**updated, "avg_rating": avg})
