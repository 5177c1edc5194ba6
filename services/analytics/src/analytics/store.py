"""The analytics store: event counts per album and per room in hour windows."""

from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from chorus_backbone.mongo import Database, Document, Session

Collection = AsyncCollection[Document]


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Count:
    subject_id: int
    label: str
    total: int
    by_hour: dict[datetime, int]


class AnalyticsStore:
    """One document per (subject, hour) with $inc counters: writes stay small however busy a room is."""

    def __init__(self, database: Database) -> None:
        self.album_hours = database["album_hours"]
        self.room_hours = database["room_hours"]
        self.names = database["names"]

    async def ensure_indexes(self) -> None:
        await self.album_hours.create_index([("hour", ASCENDING)])
        await self.room_hours.create_index([("hour", ASCENDING)])

    async def name(self, kind: str, subject_id: int, label: str, *, session: Session) -> None:
        await self.names.update_one(
            {"_id": f"{kind}:{subject_id}"}, {"$set": {"label": label}}, upsert=True, session=session
        )

    async def add(
        self, kind: str, subject_id: int, hour: datetime, counter: str, added: int, *, session: Session
    ) -> None:
        """Add to one counter of one album's or room's hour window."""
        hours, subject = (self.album_hours, "album_id") if kind == "album" else (self.room_hours, "room_id")
        await hours.update_one(
            {"_id": f"{subject_id}:{hour.isoformat()}"},
            {"$inc": {counter: added}, "$setOnInsert": {subject: subject_id, "hour": hour}},
            upsert=True,
            session=session,
        )

    async def _top(
        self, hours: Collection, key: str, field: str, kind: str, since: datetime, top: int
    ) -> list[Count]:
        rows: dict[int, dict[datetime, int]] = {}
        async for document in hours.find({"hour": {"$gte": hour_of(since)}}):
            if document.get(field):
                rows.setdefault(document[key], {})[document["hour"]] = int(document[field])
        ranked = sorted(rows.items(), key=lambda item: (-sum(item[1].values()), item[0]))[:top]
        labels = {
            document["_id"]: document["label"]
            async for document in self.names.find({"_id": {"$in": [f"{kind}:{i}" for i, _ in ranked]}})
        }
        return [
            Count(
                subject_id,
                labels.get(f"{kind}:{subject_id}", f"{kind} {subject_id}"),
                sum(hours.values()),
                hours,
            )
            for subject_id, hours in ranked
        ]

    async def trending_albums(self, since: datetime, top: int) -> list[Count]:
        return await self._top(self.album_hours, "album_id", "ratings", "album", since, top)

    async def busiest_rooms(self, since: datetime, top: int) -> list[Count]:
        return await self._top(self.room_hours, "room_id", "messages", "room", since, top)

    async def room_joins(self, since: datetime) -> dict[int, int]:
        joins: dict[int, int] = {}
        async for document in self.room_hours.find({"hour": {"$gte": hour_of(since)}, "joins": {"$gt": 0}}):
            joins[document["room_id"]] = joins.get(document["room_id"], 0) + int(document["joins"])
        return joins
