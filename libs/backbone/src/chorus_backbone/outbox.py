"""Transactional outbox: an event is stored in the same transaction as the change it announces.

A transaction's events are one outbox document (its entries in the order recorded), so
storing them is one insert and marking them published one update, however many a
batch of writes announced. Documents of the earlier shape (one event each) are still
read and published.
"""

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import Binary
from pymongo import ASCENDING

from chorus_backbone.correlation import current_correlation_id
from chorus_backbone.mongo import Database, Document, Session
from chorus_backbone.tracing import current_trace_headers
from chorus_schemas import Envelope, Event

OUTBOX_COLLECTION = "outbox"

OutboxEntry = Document  # one event, as it is published
OutboxDocument = Document  # one committed transaction's entries


def entries_of(document: OutboxDocument) -> list[OutboxEntry]:
    """The entries an outbox document holds, in the order they were recorded."""
    entries: list[OutboxEntry] = document.get("entries") or [document]
    return entries


class Outbox:
    """The ``outbox`` collection of one service's database."""

    def __init__(self, database: Database, *, source: str, sent_ttl: timedelta = timedelta(days=7)) -> None:
        self.collection = database[OUTBOX_COLLECTION]
        self.source = source
        self.sent_ttl = sent_ttl
        self._last_ns = 0

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            [("sent_at", ASCENDING), ("created_ns", ASCENDING)], name="pending_in_order"
        )
        # Sent entries are kept a while for audit, then expire; unsent ones never do.
        await self.collection.create_index(
            "expires_at", expireAfterSeconds=0, name="expire_sent", sparse=True
        )

    def entry(self, event: Event) -> OutboxEntry:
        """The entry announcing ``event``, stamped with the current request id and trace."""
        envelope = Envelope.wrap(event, source=self.source, correlation_id=current_correlation_id())
        return {
            "_id": str(envelope.id),
            "topic": str(event.TOPIC),
            "key": envelope.key,
            "type": envelope.type,
            "headers": {**envelope.headers(), **current_trace_headers()},
            "body": Binary(envelope.to_bytes()),
        }

    async def insert(self, entries: list[OutboxEntry], *, session: Session) -> OutboxDocument | None:
        """Store ``entries`` as one document inside the caller's transaction (the relay publishes
        them after the commit); the document, or None when there were none."""
        if not entries:
            return None
        # Strictly increasing per process, so documents keep the order they were written in.
        self._last_ns = max(time.time_ns(), self._last_ns + 1)
        document = {
            "_id": entries[0]["_id"],
            "entries": entries,
            "created_ns": self._last_ns,
            "sent_at": None,
        }
        await self.collection.insert_one(document, session=session)
        return document

    async def pending(self, limit: int, *, written_before_ns: int | None = None) -> list[OutboxDocument]:
        """Unsent documents (written before ``written_before_ns``, when given), oldest first (the
        order they were committed in, per process clock)."""
        query: Document = {"sent_at": None}
        if written_before_ns is not None:
            query["created_ns"] = {"$lt": written_before_ns}
        cursor = self.collection.find(query).sort("created_ns", ASCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    async def mark_sent(self, document_ids: list[Any]) -> None:
        now = datetime.now(UTC)
        await self.collection.update_many(
            {"_id": {"$in": document_ids}},
            {"$set": {"sent_at": now, "expires_at": now + self.sent_ttl}},
        )

    async def backlog(self) -> tuple[int, datetime | None]:
        """How many documents (committed transactions' events) wait, and when the oldest was written."""
        count = await self.collection.count_documents({"sent_at": None})
        oldest = await self.collection.find_one({"sent_at": None}, sort=[("created_ns", 1)])
        if oldest is None:
            return count, None
        return count, datetime.fromtimestamp(oldest["created_ns"] / 1e9, UTC)
