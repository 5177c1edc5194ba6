"""Idempotent consumption: an event's id is recorded in the same transaction as its effect."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from chorus_backbone.mongo import Database, MongoClient, Session, in_transaction
from chorus_schemas import Envelope

PROCESSED_COLLECTION = "processed_events"


class ProcessedEvents:
    """Which events one consumer has already applied to its projection."""

    def __init__(
        self,
        client: MongoClient,
        database: Database,
        *,
        consumer: str,
        retention: timedelta = timedelta(days=30),
    ) -> None:
        self.client = client
        self.collection = database[PROCESSED_COLLECTION]
        self.consumer = consumer
        self.retention = retention

    async def ensure_indexes(self) -> None:
        # Kept longer than any topic's retention, so a redelivery is always recognised.
        await self.collection.create_index(
            "processed_at", expireAfterSeconds=int(self.retention.total_seconds())
        )

    async def claim(
        self, envelope: Envelope, session: Session | None, *, consumer: str | None = None
    ) -> bool:
        """Record ``envelope`` as applied inside the caller's transaction; False when it was before.

        Checked inside the transaction: a marker committed by a concurrent delivery
        makes this one conflict and retry, then see the marker.
        """
        name = consumer or self.consumer
        marker_id = f"{name}:{envelope.id}"
        if await self.collection.find_one({"_id": marker_id}, session=session):
            return False
        await self.collection.insert_one(
            {"_id": marker_id, "consumer": name, "type": envelope.type, "processed_at": datetime.now(UTC)},
            session=session,
        )
        return True

    async def claim_many(self, envelopes: Sequence[Envelope], session: Session | None) -> list[Envelope]:
        """Record each envelope as applied in the caller's transaction; those that were not before.

        Two reads-and-writes for the whole batch; an envelope twice in it counts once.
        """
        by_marker = {f"{self.consumer}:{envelope.id}": envelope for envelope in envelopes}
        cursor = self.collection.find({"_id": {"$in": list(by_marker)}}, {"_id": 1}, session=session)
        seen = {document["_id"] async for document in cursor}
        fresh = {marker: envelope for marker, envelope in by_marker.items() if marker not in seen}
        if fresh:
            now = datetime.now(UTC)
            await self.collection.insert_many(
                [
                    {"_id": marker, "consumer": self.consumer, "type": envelope.type, "processed_at": now}
                    for marker, envelope in fresh.items()
                ],
                session=session,
            )
        return list(fresh.values())

    async def apply_once(self, envelope: Envelope, update: Callable[[Session], Awaitable[None]]) -> bool:
        """Run ``update`` unless this event was applied before; True when it ran."""

        async def record_and_update(session: Session) -> bool:
            if not await self.claim(envelope, session):
                return False
            await update(session)
            return True

        return await in_transaction(self.client, record_and_update)

    async def forget(self) -> None:
        """Drop every marker of this consumer (a projection generation being rebuilt or retired)."""
        await self.collection.delete_many({"consumer": self.consumer})

    async def seen(self, envelope: Envelope) -> bool:
        return await self.collection.count_documents({"_id": f"{self.consumer}:{envelope.id}"}, limit=1) > 0
