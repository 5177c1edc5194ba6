"""Idempotent consumption: an event's id is recorded in the same transaction as its effect."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from chorus_backbone.mongo import Database, MongoClient, Session, in_transaction
from chorus_schemas import Envelope, Event

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

    async def apply_once(self, envelope: Envelope, update: Callable[[Session], Awaitable[None]]) -> bool:
        """Run ``update`` unless this event was applied before; True when it ran."""

        marker_id = f"{self.consumer}:{envelope.id}"

        async def record_and_update(session: Session) -> bool:
            # Checked inside the transaction: a marker committed by a concurrent
            # delivery makes this one conflict and retry, then see the marker.
            if await self.collection.find_one({"_id": marker_id}, session=session):
                return False
            await self.collection.insert_one(
                {
                    "_id": marker_id,
                    "consumer": self.consumer,
                    "type": envelope.type,
                    "processed_at": datetime.now(UTC),
                },
                session=session,
            )
            await update(session)
            return True

        return await in_transaction(self.client, record_and_update)

    async def seen(self, envelope: Envelope) -> bool:
        return await self.collection.count_documents({"_id": f"{self.consumer}:{envelope.id}"}, limit=1) > 0


E = TypeVar("E", bound=Event)


def projector(
    inbox: ProcessedEvents, event_type: type[E], change: Callable[[E, Session], Awaitable[None]]
) -> Callable[[Envelope, Event], Awaitable[None]]:
    """An event handler that applies ``change`` to a projection once per event id."""

    async def handle(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, event_type)
        await inbox.apply_once(envelope, lambda session: change(event, session))

    return handle
