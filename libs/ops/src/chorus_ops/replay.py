"""`chorus replay`: rebuild a projection from the topics beside the live one, verify it, switch to it.

1. A new generation is allocated and built from the topics (from the beginning, or
   from a time on top of a copy of the live generation), up to the end offsets
   seen at the start. The live service keeps serving and consuming meanwhile.
2. The tool waits (bounded) for the live consumer groups to catch up, pauses
   the live projection for a few seconds, and applies whatever arrived since.
3. Both generations are compared document by document.
4. With ``switch``, and when they are equal (or differences are accepted: the
   reason for a rebuild may be a damaged live projection), the pointer moves to
   the new generation and the pause ends in the same write; otherwise the pause
   ends and the new generation is dropped.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer
from redis.asyncio import Redis

from chorus_backbone import mongo
from chorus_backbone.inbox import ProcessedEvents
from chorus_backbone.page_cache import PageCache
from chorus_backbone.projection import Generation, GenerationPointer, ProjectionSpec, ProjectionStore
from chorus_backbone.settings import ServiceSettings
from chorus_ops.compare import CollectionDiff, compare_collection
from chorus_ops.groups import committed
from chorus_ops.kafka_io import (
    Offsets,
    end_offsets,
    group_free_reader,
    partitions_of,
    read_between,
    start_offsets,
)
from chorus_schemas import Envelope, EnvelopeError, TopicNames, parse_event

# Readers that looked the generation up just before a switch finish on the old one first.
_DROP_PREVIOUS_AFTER = 2.0


class Progress(Protocol):
    def total(self, events: int) -> None: ...

    def advance(self, events: int) -> None: ...


class _Silent:
    def total(self, events: int) -> None:
        pass

    def advance(self, events: int) -> None:
        pass


@dataclass
class ReplayReport:
    projection: str
    live_generation: int
    rebuilt_generation: int
    since: datetime | None
    events_read: int = 0
    events_applied: int = 0
    unreadable: int = 0
    live_caught_up: bool = False
    differences: list[CollectionDiff] = field(default_factory=list)
    switched: bool = False
    outcome: str = ""

    @property
    def equal(self) -> bool:
        return all(diff.equal for diff in self.differences)

    def as_json(self) -> dict[str, Any]:
        return {
            "projection": self.projection,
            "live_generation": self.live_generation,
            "rebuilt_generation": self.rebuilt_generation,
            "since": self.since.isoformat() if self.since else None,
            "events_read": self.events_read,
            "events_applied": self.events_applied,
            "unreadable": self.unreadable,
            "live_caught_up": self.live_caught_up,
            "equal": self.equal,
            "differences": [diff.__dict__ for diff in self.differences],
            "switched": self.switched,
            "outcome": self.outcome,
        }


class _Builder:
    """Applies topic records to one generation, once per event id, as the live consumer would."""

    def __init__(
        self,
        client: mongo.MongoClient,
        database: mongo.Database,
        spec: ProjectionSpec[Any],
        generation: Generation,
        report: ReplayReport,
        progress: Progress,
    ) -> None:
        self.store: ProjectionStore = spec.store(database, generation)
        self.spec = spec
        self.inbox = ProcessedEvents(
            client, database, consumer=generation.inbox_consumer(spec.inbox_consumer)
        )
        self.report = report
        self.progress = progress

    async def apply_range(self, consumer: AIOKafkaConsumer, start: Offsets, end: Offsets) -> None:
        async for record in read_between(consumer, start, end):
            self.report.events_read += 1
            self.progress.advance(1)
            try:
                envelope = Envelope.from_bytes(record.value or b"")
                event = parse_event(envelope)
            except EnvelopeError:
                # The live consumer dead-letters these too; they change nothing.
                self.report.unreadable += 1
                continue
            change = self.spec.change_for(event)
            if change is None:
                continue

            async def update(session: mongo.Session, change: Any = change, event: Any = event) -> None:
                await change(self.store, event, session)

            if await self.inbox.apply_once(envelope, update):
                self.report.events_applied += 1


async def _copy_generation(
    database: mongo.Database, collections: tuple[str, ...], source: Generation, target: Generation
) -> None:
    for base in collections:
        batch: list[dict[str, Any]] = []
        async for document in database[source.collection(base)].find():
            batch.append(document)
            if len(batch) >= 500:
                await database[target.collection(base)].insert_many(batch)
                batch = []
        if batch:
            await database[target.collection(base)].insert_many(batch)


async def _live_caught_up(
    settings: ServiceSettings, spec: ProjectionSpec[Any], ends: Offsets, timeout: float
) -> bool:
    """Whether every live group has committed up to ``ends`` within ``timeout`` seconds."""
    topics = TopicNames(settings.topic_prefix)
    groups = {topics.name(source.topic): settings.consumer_group(source.group) for source in spec.sources}
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        behind = False
        for group in set(groups.values()):
            commits = await committed(settings.kafka_bootstrap, group)
            for tp, end in ends.items():
                if groups[tp.topic] == group and end > 0 and commits.get(tp, 0) < end:
                    behind = True
        if not behind:
            return True
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.2)


async def _drop_generation(
    database: mongo.Database, client: mongo.MongoClient, spec: ProjectionSpec[Any], generation: Generation
) -> None:
    for base in spec.collections:
        await database.drop_collection(generation.collection(base))
    await ProcessedEvents(client, database, consumer=generation.inbox_consumer(spec.inbox_consumer)).forget()


async def replay(
    spec: ProjectionSpec[Any],
    settings: ServiceSettings,
    *,
    since: datetime | None = None,
    switch: bool = False,
    accept_differences: bool = False,
    keep_previous: bool = False,
    pause: timedelta = timedelta(seconds=60),
    catch_up_timeout: float = 30.0,
    progress: Progress | None = None,
) -> ReplayReport:
    progress = progress or _Silent()
    client = mongo.connect(settings.mongodb_url, app_name="chorus-replay")
    try:
        database = client[settings.mongodb_database]
        pointer = GenerationPointer(database, spec.name)
        live = (await pointer.read()).active
        target = await pointer.allocate()
        report = ReplayReport(spec.name, live.number, target.number, since)
        await _drop_generation(database, client, spec, target)
        builder = _Builder(client, database, spec, target, report, progress)
        await builder.store.ensure_indexes()
        if since is not None:
            await _copy_generation(database, spec.collections, live, target)

        topics = TopicNames(settings.topic_prefix)
        async with group_free_reader(settings.kafka_bootstrap) as consumer:
            partitions = [
                tp
                for source in spec.sources
                for tp in await partitions_of(consumer, topics.name(source.topic))
            ]
            start = await start_offsets(consumer, partitions, since)
            ends = await end_offsets(consumer, partitions)
            progress.total(sum(ends[tp] - start[tp] for tp in partitions))
            await builder.apply_range(consumer, start, ends)

            report.live_caught_up = await _live_caught_up(settings, spec, ends, catch_up_timeout)
            paused_until = await pointer.pause(live, pause) if switch else None
            try:
                tail = await end_offsets(consumer, partitions)
                progress.total(sum(tail[tp] - start[tp] for tp in partitions))
                await builder.apply_range(consumer, ends, tail)
                for base in spec.collections:
                    report.differences.append(await compare_collection(database, base, live, target))
                if paused_until is not None and (report.equal or accept_differences):
                    report.switched = await pointer.switch(live, target, paused_until)
            finally:
                if paused_until is not None and not report.switched:
                    await pointer.resume()

        if report.switched:
            report.outcome = f"switched to generation {target.number}"
            await _pages_stale(settings, spec)
            if not keep_previous:
                await asyncio.sleep(_DROP_PREVIOUS_AFTER)
                await _drop_generation(database, client, spec, live)
        else:
            report.outcome = (
                "pause expired before the switch; nothing switched"
                if switch and (report.equal or accept_differences)
                else "verified only; nothing switched"
                if not switch
                else "differences found; nothing switched (accept them to switch anyway)"
            )
            await _drop_generation(database, client, spec, target)
        return report
    finally:
        await client.close()


async def _pages_stale(settings: ServiceSettings, spec: ProjectionSpec[Any]) -> None:
    """Cached pages built from the replaced generation must not be served any more."""
    if not spec.cached_scopes:
        return
    redis = Redis.from_url(settings.redis_url)
    try:
        cache = PageCache(redis, name=spec.name, prefix=f"{settings.redis_key_prefix}{spec.name}:")
        await cache.bump(*spec.cached_scopes)
    finally:
        await redis.aclose()
