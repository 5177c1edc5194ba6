"""Publishes outbox documents' entries to Kafka and marks the documents sent.

Two ways out. A committed unit of work hands its entries over at once and the
process that wrote them publishes them right after the commit (the express path).
A sweep, run by one replica at a time under a lease, publishes whatever is still
unsent a moment after it was written: entries of a process that died before
publishing, or whose publish failed. An entry may so be published twice (an express
publish slower than that moment); consumers drop repeats by event id. What the
express path published is marked sent a little later, many commits in one write
(the sweep knows what this process published meanwhile and leaves it alone).
"""

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from chorus_backbone import metrics
from chorus_backbone.kafka import OutgoingMessage, RawPublisher
from chorus_backbone.lease import Lease
from chorus_backbone.mongo import Database
from chorus_backbone.outbox import Outbox, OutboxDocument, entries_of
from chorus_schemas import TopicNames

logger = logging.getLogger(__name__)

_BACKLOG_OBSERVE_SECONDS = 2.0
_REMEMBERED = 10_000  # ids of documents this process published itself, most recent
_MARK_RETRY_SECONDS = 1.0
_FINAL_MARK_SECONDS = 2.0


class OutboxRelay:
    """At-least-once delivery of the outbox; consumers drop duplicates by event id.

    One process publishes its own commits in the order they committed. The sweep's
    lease makes one replica the sweeper, so what it publishes leaves in the order it
    was written; the others take over within a lease period if it dies.
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
        sweep_after: timedelta = timedelta(seconds=2),
        mark_gather_seconds: float = 0.2,
    ) -> None:
        self.outbox = outbox
        self.publisher = publisher
        self.topics = topics
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        # The sweep leaves younger entries to the express path of the process that wrote
        # them (a sweeper in another replica cannot know they are on their way).
        self.sweep_after_ns = int(sweep_after.total_seconds() * 1e9)
        self.lease = Lease(database, name="outbox-relay", owner=uuid4().hex, duration=lease_duration)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._express: list[OutboxDocument] = []
        self._express_ready = asyncio.Event()
        # Documents the express path is publishing, or has just published: the sweep leaves
        # them alone (its read may predate their being marked sent).
        self._in_flight: set[object] = set()
        self._published: OrderedDict[object, None] = OrderedDict()
        self.mark_gather_seconds = mark_gather_seconds
        self._unmarked: list[object] = []
        self._unmarked_ready = asyncio.Event()

    def notify(self) -> None:
        """Sweep now instead of at the next poll."""
        self._wake.set()

    def publish_committed(self, documents: list[OutboxDocument]) -> None:
        """Documents of a transaction that just committed: publish them now, in commit order."""
        self._express.extend(documents)
        # From the hand-over on, the sweep leaves them alone (it may read them before they go).
        self._in_flight.update(document["_id"] for document in documents)
        self._express_ready.set()

    async def _publish_express(self) -> None:
        while True:
            await self._express_ready.wait()
            self._express_ready.clear()
            while self._express:
                batch = self._express[: self.batch_size]
                del self._express[: len(batch)]
                ids = [document["_id"] for document in batch]
                try:
                    await self._publish(batch)
                    self._remember(ids)
                    self._unmarked.extend(ids)
                    self._unmarked_ready.set()
                except Exception:
                    logger.warning("publishing %d committed documents failed; the sweep will", len(batch))
                    metrics.RELAY_FAILURES.labels(self.outbox.source).inc()
                    self._wake.set()
                finally:
                    self._in_flight.difference_update(ids)

    async def _mark_published(self) -> None:
        """Mark what the express path published, gathered for a moment: one write for many commits."""
        while True:
            await self._unmarked_ready.wait()
            await asyncio.sleep(self.mark_gather_seconds)
            self._unmarked_ready.clear()
            if not await self._mark_unmarked():
                await asyncio.sleep(_MARK_RETRY_SECONDS)
                self._unmarked_ready.set()

    async def _mark_unmarked(self) -> bool:
        ids, self._unmarked = self._unmarked, []
        if not ids:
            return True
        try:
            await self.outbox.mark_sent(ids)
        except asyncio.CancelledError:
            self._unmarked[:0] = ids  # stop() marks them
            raise
        except Exception:
            # Still remembered as published, so no sweep here sends them again; marked on the retry.
            logger.warning("marking %d published documents sent failed; retrying", len(ids))
            metrics.RELAY_FAILURES.labels(self.outbox.source).inc()
            self._unmarked[:0] = ids
            return False
        return True

    def _remember(self, ids: list[object]) -> None:
        for entry_id in ids:
            self._published[entry_id] = None
        while len(self._published) > _REMEMBERED:
            self._published.popitem(last=False)

    async def relay_once(self) -> int:
        """Publish one batch of pending documents; returns how many documents were pending."""
        pending = await self.outbox.pending(
            self.batch_size, written_before_ns=time.time_ns() - self.sweep_after_ns
        )
        documents = [
            d for d in pending if d["_id"] not in self._in_flight and d["_id"] not in self._published
        ]
        if documents:
            await self._publish(documents)
            await self.outbox.mark_sent([document["_id"] for document in documents])
        return len(pending)

    async def _publish(self, documents: list[OutboxDocument]) -> None:
        entries = [entry for document in documents for entry in entries_of(document)]
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
        for entry in entries:
            metrics.EVENTS_PUBLISHED.labels(self.outbox.source, entry["topic"], entry["type"]).inc()

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
                sent = await self.relay_once() if await self.lease.hold() else 0
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
        self._tasks = [
            asyncio.create_task(self.run(), name="outbox-relay"),
            asyncio.create_task(self._publish_express(), name="outbox-express"),
            asyncio.create_task(self._mark_published(), name="outbox-marks"),
        ]

    async def stop(self) -> None:
        """Stop publishing; what was not published yet stays in the outbox for a sweep."""
        if not self._tasks:
            return
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        # What was published but not yet marked would otherwise be published again by a sweep.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._mark_unmarked(), _FINAL_MARK_SECONDS)
        with contextlib.suppress(Exception):
            await self.lease.release()
