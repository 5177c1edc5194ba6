"""Helpers tests use to look at the real parts: read a topic, wait for a condition."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from prometheus_client.parser import text_string_to_metric_families

from chorus_schemas import Envelope, Event, TopicNames, parse_event

T = TypeVar("T")


async def create_topics(bootstrap: str, names: list[str], partitions: int = 1) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1) for name in names])
    finally:
        await admin.close()


async def read_topic(
    bootstrap: str, topic: str, *, count: int, timeout: float = 20.0
) -> list[ConsumerRecord]:
    """Read from the beginning until ``count`` records arrived (or the deadline passed)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def eventually(
    probe: Callable[[], Awaitable[T]],
    until: Callable[[T], bool],
    *,
    timeout: float = 20.0,
    interval: float = 0.1,
) -> T:
    """Poll ``probe`` until ``until`` holds; fail with the last value at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {value!r}")
        await asyncio.sleep(interval)


def metric_value(exposition: str, name: str, **labels: str) -> float | None:
    """The value of one sample in a Prometheus text exposition (None when absent)."""
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


async def committed_offsets(bootstrap: str, group: str, topic: str) -> int:
    """How many messages of ``topic`` a consumer group has committed, over all partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(max(0, meta.offset) for partition, meta in offsets.items() if partition.topic == topic)


async def publish_events(
    bootstrap: str,
    topic_prefix: str,
    events: list[Event],
    *,
    source: str = "tests",
    at: datetime | None = None,
) -> list[Envelope]:
    """Publish ``events`` as the services do (envelope body, key, headers); returns their envelopes.

    ``at`` stamps the envelopes with that time instead of now.
    """
    envelopes = [Envelope.wrap(event, source=source, time=at) for event in events]
    await publish_envelopes(bootstrap, topic_prefix, envelopes)
    return envelopes


async def publish_envelopes(bootstrap: str, topic_prefix: str, envelopes: list[Envelope]) -> None:
    """Publish envelopes as they are (the same one twice is a redelivery), in order."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    topics = TopicNames(topic_prefix)
    try:
        for envelope in envelopes:
            await producer.send_and_wait(
                topics.name(parse_event(envelope).TOPIC),
                envelope.to_bytes(),
                key=envelope.key.encode(),
                headers=[(name, value.encode()) for name, value in envelope.headers().items()],
            )
    finally:
        await producer.stop()
