"""Publishes outbox entries to Kafka and marks them sent; one active replica at a time."""

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from chorus_backbone import metrics
from chorus_backbone.kafka import OutgoingMessage, RawPublisher
from chorus_backbone.lease import Lease
from chorus_backbone.mongo import Database
from chorus_backbone.outbox import Outbox
from chorus_schemas import TopicNames

logger = logging.getLogger(__name__)

_BACKLOG_OBSERVE_SECONDS = 2.0


class OutboxRelay:
    """At-least-once delivery of the outbox; consumers drop duplicates by event id.

    A lease makes one replica the active relay so that events of one key leave in
    the order they were written; the others take over within a lease period if it dies.
    """

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        publisher: RawPublisher,
        *,
        topics: TopicNames,
        poll_seconds: float = 0.2,
        batch_size: int = 200,
        lease_duration: timedelta = timedelta(seconds=10),
    ) -> None:
        self.outbox = outbox
        self.publisher = publisher
        self.topics = topics
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.lease = Lease(database, name="outbox-relay", owner=uuid4().hex, duration=lease_duration)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def notify(self) -> None:
        """Wake the relay now instead of at the next poll (called after a commit)."""
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch of pending entries; returns how many were sent."""
        entries = await self.outbox.pending(self.batch_size)
        if not entries:
            return 0
        await self.publisher.send_many(
            [
                OutgoingMessage(
                    self.topics.name(entry["topic"]),
                    entry["key"],
                    bytes(entry["body"]),
                    entry["headers"],
                )
                for entry in entries
            ]
        )
        await self.outbox.mark_sent([entry["_id"] for entry in entries])
        for entry in entries:
            metrics.EVENTS_PUBLISHED.labels(self.outbox.source, entry["topic"], entry["type"]).inc()
        return len(entries)

    async def observe_backlog(self) -> None:
        count, oldest = await self.outbox.backlog()
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        metrics.OUTBOX_BACKLOG.labels(self.outbox.source).set(count)
        metrics.OUTBOX_OLDEST_AGE.labels(self.outbox.source).set(max(0.0, age))

    async def run(self) -> None:
        failures = 0
        observed_at = 0.0
        while True:
            try:
                sent = await self.relay_once() if await self.lease.acquire() else 0
                failures = 0
                if time.monotonic() - observed_at > _BACKLOG_OBSERVE_SECONDS:
                    await self.observe_backlog()
                    observed_at = time.monotonic()
            except Exception:
                failures += 1
                metrics.RELAY_FAILURES.labels(self.outbox.source).inc()
                logger.exception("outbox relay failed; retrying", extra={"failures": failures})
                sent = 0
                await asyncio.sleep(min(5.0, self.poll_seconds * 2**failures))
            if sent < self.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                self._wake.clear()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        with contextlib.suppress(Exception):
            await self.lease.release()
