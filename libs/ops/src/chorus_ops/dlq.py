"""Dead letters: list what failed and why, and re-drive chosen messages to their original topic."""

from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaProducer, ConsumerRecord

from chorus_backbone.dead_letters import (
    HEADER_ATTEMPTS,
    HEADER_CONSUMER_GROUP,
    HEADER_ERROR,
    HEADER_FAILED_AT,
    HEADER_ORIGINAL_OFFSET,
    HEADER_ORIGINAL_PARTITION,
    HEADER_ORIGINAL_TOPIC,
)
from chorus_ops.kafka_io import end_offsets, group_free_reader, partitions_of, read_between, start_offsets
from chorus_schemas.topics import DLQ_SUFFIX

HEADER_REDRIVEN_FROM = "redriven-from"


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: str | None
    original_topic: str
    original_partition: int | None
    original_offset: int | None
    error: str
    attempts: int | None
    group: str | None
    failed_at: str | None
    event_type: str | None
    event_id: str | None
    value: bytes
    headers: dict[str, str]

    @property
    def position(self) -> str:
        return f"{self.partition}:{self.offset}"

    def summary(self) -> dict[str, object]:
        return {
            "position": self.position,
            "key": self.key,
            "event_type": self.event_type,
            "event_id": self.event_id,
            "original": f"{self.original_topic}[{self.original_partition}]@{self.original_offset}",
            "group": self.group,
            "attempts": self.attempts,
            "failed_at": self.failed_at,
            "error": self.error,
        }


def _int(text: str | None) -> int | None:
    return int(text) if text and text.lstrip("-").isdigit() else None


def _dead_letter(record: ConsumerRecord, dlq_topic: str) -> DeadLetter:
    headers = {name: value.decode("utf-8", "replace") for name, value in (record.headers or ())}
    return DeadLetter(
        partition=record.partition,
        offset=record.offset,
        key=record.key.decode("utf-8", "replace") if record.key else None,
        original_topic=headers.get(HEADER_ORIGINAL_TOPIC, dlq_topic.removesuffix(DLQ_SUFFIX)),
        original_partition=_int(headers.get(HEADER_ORIGINAL_PARTITION)),
        original_offset=_int(headers.get(HEADER_ORIGINAL_OFFSET)),
        error=headers.get(HEADER_ERROR, "(no reason recorded)"),
        attempts=_int(headers.get(HEADER_ATTEMPTS)),
        group=headers.get(HEADER_CONSUMER_GROUP),
        failed_at=headers.get(HEADER_FAILED_AT),
        event_type=headers.get("event-type"),
        event_id=headers.get("event-id"),
        value=record.value or b"",
        headers=headers,
    )


async def dead_letters(
    bootstrap: str, dlq_topic: str, *, since: datetime | None = None, limit: int = 1_000
) -> list[DeadLetter]:
    """The dead letters on ``dlq_topic`` (at most ``limit``, oldest first)."""
    found: list[DeadLetter] = []
    async with group_free_reader(bootstrap) as consumer:
        partitions = await partitions_of(consumer, dlq_topic)
        ends = await end_offsets(consumer, partitions)
        start = await start_offsets(consumer, partitions, since)
        async for record in read_between(consumer, start, ends):
            found.append(_dead_letter(record, dlq_topic))
            if len(found) >= limit:
                break
    return found


def redrive_headers(letter: DeadLetter, dlq_topic: str) -> list[tuple[str, bytes]]:
    """The original headers (the failure ones dropped) plus where the message was re-driven from."""
    kept = {name: value for name, value in letter.headers.items() if not name.startswith("dlq-")}
    kept[HEADER_REDRIVEN_FROM] = f"{dlq_topic}/{letter.position}"
    return [(name, value.encode()) for name, value in kept.items()]


async def redrive(bootstrap: str, dlq_topic: str, letters: list[DeadLetter]) -> None:
    """Publish each letter's original bytes and key to its original topic, in the order given.

    Consumers are idempotent by event id, so re-driving a message twice applies it once.
    """
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for letter in letters:
            await producer.send_and_wait(
                letter.original_topic,
                letter.value,
                key=letter.key.encode() if letter.key else None,
                headers=redrive_headers(letter, dlq_topic),
            )
    finally:
        await producer.stop()
