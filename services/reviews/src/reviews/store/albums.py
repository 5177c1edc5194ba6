"""The catalog in MongoDB, each album carrying its rating aggregate."""

import re
from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne

from chorus_backbone.mongo import Database, Document, Session, next_sequence
from reviews.domain.aggregates import Delta, folded
from reviews.domain.models import Aggregate, Album, AlbumQuery, AlbumSort

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
        sequence=document.get("aggregate_seq", 0),
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
        self._known: set[int] = set()

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
                "aggregate_seq": 0,
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

    async def exists(self, album_id: int) -> bool:
        """Whether the catalog has this album (albums are never removed, so a yes is kept)."""
        if album_id in self._known:
            return True
        if await self.albums.count_documents({"_id": album_id}, limit=1):
            self._known.add(album_id)
            return True
        return False

    async def fold(self, deltas: Mapping[int, Delta], *, session: Session | None) -> dict[int, Aggregate]:
        """Apply each album's delta to its aggregate; the new aggregates (unknown albums skipped)."""
        if not deltas:
            return {}
        cursor = self.albums.find({"_id": {"$in": list(deltas)}}, _AGGREGATE_FIELDS, session=session)
        new = {
            document["_id"]: folded(_aggregate(document), deltas[document["_id"]])
            async for document in cursor
        }
        if new:
            await self.albums.bulk_write(
                [
                    UpdateOne({"_id": album_id}, {"$set": _aggregate_fields(aggregate)})
                    for album_id, aggregate in new.items()
                ],
                ordered=False,
                session=session,
            )
        return new


_AGGREGATE_FIELDS = {
    "ratings_count": 1,
    "half_star_sum": 1,
    "avg_rating": 1,
    "histogram": 1,
    "aggregate_seq": 1,
}


def _aggregate_fields(aggregate: Aggregate) -> Document:
    return {
        "ratings_count": aggregate.ratings_count,
        "half_star_sum": aggregate.half_star_sum,
        "avg_rating": aggregate.avg_rating,
        "histogram": {str(half): n for half, n in aggregate.histogram.items()},
        "aggregate_seq": aggregate.sequence,
    }
