"""Reading topics without joining any consumer group: tools never disturb the services' groups."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from chorus_ops.when import to_millis

Offsets = dict[TopicPartition, int]


class UnknownTopicError(LookupError):
    pass


@asynccontextmanager
async def admin_client(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15_000)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


class GroupFreeReader(AIOKafkaConsumer):  # type: ignore[misc]
    """A consumer with no group id: it assigns partitions itself and commits nothing."""

    def __init__(self, bootstrap: str) -> None:
        super().__init__(
            bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, request_timeout_ms=15_000
        )
        self.bootstrap = bootstrap


@asynccontextmanager
async def group_free_reader(bootstrap: str) -> AsyncIterator[GroupFreeReader]:
    consumer = GroupFreeReader(bootstrap)
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def partitions_of(consumer: GroupFreeReader, topic: str) -> list[TopicPartition]:
    async with admin_client(consumer.bootstrap) as admin:
        [described] = await admin.describe_topics([topic])
    if described["error_code"] or not described["partitions"]:
        raise UnknownTopicError(f"no topic named {topic!r}")
    return [
        TopicPartition(topic, p["partition"])
        for p in sorted(described["partitions"], key=lambda p: p["partition"])
    ]


async def end_offsets(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> Offsets:
    return dict(await consumer.end_offsets(partitions))


async def start_offsets(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], since: datetime | None
) -> Offsets:
    """The first offset at or after ``since`` (the beginning when None; the end when nothing is newer)."""
    if since is None:
        return dict(await consumer.beginning_offsets(partitions))
    found = await consumer.offsets_for_times(dict.fromkeys(partitions, to_millis(since)))
    ends = await end_offsets(consumer, partitions)
    return {tp: (found[tp].offset if found.get(tp) is not None else ends[tp]) for tp in partitions}


async def read_between(
    consumer: AIOKafkaConsumer, start: Offsets, end: Offsets | None, *, idle_stop: float | None = None
) -> AsyncIterator[ConsumerRecord]:
    """Records from ``start`` up to ``end`` (exclusive); with no end, follow until cancelled or idle."""
    pending = [tp for tp in start if end is None or start[tp] < end[tp]]
    if not pending:
        return
    consumer.assign(pending)
    for tp in pending:
        consumer.seek(tp, start[tp])
    loop = asyncio.get_running_loop()
    last_record = loop.time()
    while pending:
        batches = await consumer.getmany(*pending, timeout_ms=200, max_records=500)
        for tp, records in batches.items():
            for record in records:
                if end is not None and record.offset >= end[tp]:
                    break
                last_record = loop.time()
                yield record
        if end is not None:
            pending = [tp for tp in pending if await consumer.position(tp) < end[tp]]
        elif idle_stop is not None and loop.time() - last_record > idle_stop:
            return
