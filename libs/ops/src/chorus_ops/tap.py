"""`chorus tap`: read a topic (from the beginning, a time, or live) and print each event validated."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import ConsumerRecord

from chorus_ops.kafka_io import end_offsets, group_free_reader, partitions_of, read_between, start_offsets
from chorus_schemas import Envelope, EnvelopeError, parse_event


@dataclass(frozen=True)
class TapFilter:
    types: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()

    def admits(self, event_type: str | None, key: str | None) -> bool:
        return (not self.types or event_type in self.types) and (not self.keys or key in self.keys)


@dataclass
class Tapped:
    """One record as tap prints it: where it sits, and its envelope checked against the schemas."""

    topic: str
    partition: int
    offset: int
    timestamp: datetime
    key: str | None
    headers: dict[str, str]
    envelope: dict[str, Any] | None
    valid: bool
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        line = {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "timestamp": self.timestamp.isoformat(),
            "key": self.key,
            "valid": self.valid,
            "event": self.envelope,
        }
        if self.error:
            line["error"] = self.error
        if self.headers:
            line["headers"] = self.headers
        return line


def inspect_record(record: ConsumerRecord) -> Tapped:
    key = record.key.decode("utf-8", "replace") if record.key else None
    headers = {name: value.decode("utf-8", "replace") for name, value in (record.headers or ())}
    base = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": datetime.fromtimestamp(record.timestamp / 1000, UTC),
        "key": key,
        "headers": {k: v for k, v in headers.items() if k.startswith("dlq-") or k == "redriven-from"},
    }
    try:
        envelope = Envelope.from_bytes(record.value or b"")
    except EnvelopeError as exc:
        return Tapped(**base, envelope=None, valid=False, error=str(exc))
    document = envelope.model_dump(mode="json")
    try:
        parse_event(envelope)
    except EnvelopeError as exc:
        return Tapped(**base, envelope=document, valid=False, error=str(exc))
    return Tapped(**base, envelope=document, valid=True)


async def tap(
    bootstrap: str,
    topic: str,
    *,
    since: datetime | None = None,
    live: bool = False,
    follow: bool = False,
    where: TapFilter | None = None,
    limit: int | None = None,
    idle_stop: float | None = None,
) -> AsyncIterator[Tapped]:
    """Events of ``topic``: from ``since`` (or the beginning, or now when ``live``) to the end, or on."""
    async with group_free_reader(bootstrap) as consumer:
        partitions = await partitions_of(consumer, topic)
        ends = await end_offsets(consumer, partitions)
        start = ends if live else await start_offsets(consumer, partitions, since)
        stop = None if (live or follow) else ends
        count = 0
        async for record in read_between(consumer, start, stop, idle_stop=idle_stop):
            tapped = inspect_record(record)
            event_type = tapped.envelope.get("type") if tapped.envelope else None
            if where is not None and not where.admits(event_type, tapped.key):
                continue
            yield tapped
            count += 1
            if limit is not None and count >= limit:
                return
