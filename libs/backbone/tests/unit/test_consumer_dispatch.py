"""Dispatch rules of EventConsumer, with an in-memory dead-letter sink."""

from aiokafka import ConsumerRecord

from chorus_backbone.consumer import EventConsumer, Outcome, RetryPolicy
from chorus_backbone.dead_letters import DeadLetters
from chorus_backbone.kafka import OutgoingMessage
from chorus_schemas import Envelope, Event
from chorus_schemas.events.users import UserRegistered


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    async def send_many(self, messages: list[OutgoingMessage]) -> None:
        self.sent.extend(messages)


def _record(value: bytes) -> ConsumerRecord:  # type: ignore[type-arg]
    return ConsumerRecord(
        topic="users.events",
        partition=0,
        offset=3,
        timestamp=0,
        timestamp_type=0,
        key=b"1",
        value=value,
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=len(value),
        headers=(),
    )


def _consumer(handler: object, sink: RecordingPublisher) -> EventConsumer:
    return EventConsumer(
        topic="users.events",
        group="g",
        handlers={UserRegistered: handler},  # type: ignore[dict-item]
        dead_letters=DeadLetters(sink, group="g"),
        retry=RetryPolicy(max_attempts=2, initial_backoff=0, max_backoff=0),
    )


async def test_a_newer_version_of_a_handled_type_is_parked_in_the_dlq() -> None:
    sink = RecordingPublisher()
    seen: list[Event] = []

    async def handler(envelope: Envelope, event: Event) -> None:
        seen.append(event)

    envelope = Envelope.wrap(UserRegistered(user_id=1, username="a"), source="users")
    newer = envelope.model_copy(update={"version": 2})

    outcome = await _consumer(handler, sink).process(_record(newer.to_bytes()))

    assert outcome is Outcome.DEAD_LETTERED
    assert seen == []
    assert sink.sent[0].topic == "users.events.dlq"
    assert "unsupported users.UserRegistered v2" in sink.sent[0].headers["dlq-error"]


async def test_a_handler_that_recovers_within_its_attempts_is_not_dead_lettered() -> None:
    sink = RecordingPublisher()
    calls = 0

    async def flaky(envelope: Envelope, event: Event) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database blinked")

    envelope = Envelope.wrap(UserRegistered(user_id=1, username="a"), source="users")

    outcome = await _consumer(flaky, sink).process(_record(envelope.to_bytes()))

    assert outcome is Outcome.HANDLED
    assert calls == 2
    assert sink.sent == []
