"""Idempotent consumption: an event's id is recorded in the same transaction as its effect.

The ids a transaction claims are one document (a consumer applying a fetched batch of
hundreds of events writes one marker document, not hundreds), under a unique index on
its markers.
"""

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
        # An event is claimed once: a concurrent claim of it conflicts here and retries.
        await self.collection.create_index("markers", unique=True, sparse=True, name="one_claim_per_event")

    def _marker(self, envelope: Envelope, consumer: str | None = None) -> str:
        return f"{consumer or self.consumer}:{envelope.id}"

    async def _claimed(self, markers: list[str], session: Session | None) -> set[str]:
        """Which of ``markers`` were claimed before: in a claim's ``markers``, or (claims stored
        one event per document before) as a document's id."""
        claimed: set[str] = set()
        wanted = set(markers)
        async for document in self.collection.find(
            {"markers": {"$in": markers}}, {"markers": 1}, session=session
        ):
            claimed.update(wanted.intersection(document["markers"]))
        async for document in self.collection.find({"_id": {"$in": markers}}, {"_id": 1}, session=session):
            claimed.add(document["_id"])
        return claimed

    async def claim(
        self, envelope: Envelope, session: Session | None, *, consumer: str | None = None
    ) -> bool:
        """Record ``envelope`` as applied inside the caller's transaction; False when it was before.

        Checked inside the transaction: a marker committed by a concurrent delivery
        makes this one conflict and retry, then see the marker.
        """
        name = consumer or self.consumer
        return bool(await self._claim({self._marker(envelope, name): envelope}, name, session))

    async def claim_many(self, envelopes: Sequence[Envelope], session: Session | None) -> list[Envelope]:
        """Record each envelope as applied in the caller's transaction; those that were not before.

        Two reads and one write for the whole batch (its markers are one document); an
        envelope twice in it counts once.
        """
        return await self._claim({self._marker(envelope): envelope for envelope in envelopes}, None, session)

    async def _claim(
        self, by_marker: dict[str, Envelope], consumer: str | None, session: Session | None
    ) -> list[Envelope]:
        claimed = await self._claimed(list(by_marker), session)
        fresh = {marker: envelope for marker, envelope in by_marker.items() if marker not in claimed}
        if fresh:
            first = next(iter(fresh))
            await self.collection.insert_one(
                {
                    "_id": first,
                    "consumer": consumer or self.consumer,
                    "markers": list(fresh),
                    "processed_at": datetime.now(UTC),
                },
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
        return bool(await self._claimed([self._marker(envelope)], None))
