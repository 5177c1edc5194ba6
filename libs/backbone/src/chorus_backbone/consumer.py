"""Idempotent, ordered event consumption with bounded retries and a dead-letter hand-off.

FastStream's Kafka subscribers commit before the handler runs unless told
otherwise (AckPolicy.ACK_FIRST): a crash then loses the message. Chorus
subscribers use NACK_ON_ERROR, so the offset is committed only after the handler
has stored its effect, and an error that escapes (the DLQ itself unreachable)
rewinds to the same message. Retries happen here, in place, so a partition's
order holds; after the last attempt the message goes to ``<topic>.dlq``.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from chorus_backbone import metrics
from chorus_backbone.correlation import bind_correlation_id, reset_correlation_id
from chorus_backbone.dead_letters import DeadLetters
from chorus_backbone.errors import ChorusError
from chorus_backbone.projection import ProjectionPaused
from chorus_schemas import Envelope, EnvelopeError, Event, TopicNames, parse_event
from chorus_schemas.registry import UnknownEventError

logger = logging.getLogger(__name__)

_PAUSED_RETRY_SECONDS = 0.5

EventHandler = Callable[[Envelope, Event], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    initial_backoff: float = 0.1
    max_backoff: float = 5.0


def worth_retrying(error: BaseException) -> bool:
    # Cancellation (shutdown) must propagate, never count as a failed attempt; and a
    # refusal by the domain (unknown id, invalid value) will not heal by retrying.
    # A paused projection is not a failure either: the message is read again after the pause.
    return isinstance(error, Exception) and not isinstance(error, ChorusError | ProjectionPaused)


async def _as_received(message: KafkaMessage) -> KafkaMessage:
    return message


class Outcome(StrEnum):
    HANDLED = "handled"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


class EventConsumer:
    """One consumer group reading one topic and dispatching events by type."""

    def __init__(
        self,
        *,
        topic: str,
        group: str,
        handlers: Mapping[type[Event], EventHandler],
        dead_letters: DeadLetters,
        retry: RetryPolicy = RetryPolicy(),
        topics: TopicNames | None = None,
    ) -> None:
        self.logical_topic = str(topic)
        self.topic = (topics or TopicNames()).name(topic)
        self.group = group
        self.handlers = {(event_type.TYPE, event_type.VERSION): h for event_type, h in handlers.items()}
        self.known_types = {event_type.TYPE for event_type in handlers}
        self.dead_letters = dead_letters
        self.retry = retry

    def register(self, broker: KafkaBroker) -> None:
        async def on_message(message: KafkaMessage) -> None:
            try:
                await self.process(message.raw_message)
            except Exception as error:
                await self._before_reading_again(error, "message")
                raise

        self._subscribe(broker, on_message)

    async def _before_reading_again(self, error: Exception, what: str) -> None:
        """The offset stays uncommitted and the message is read again: pause first."""
        if isinstance(error, ProjectionPaused):
            # A replay is switching generations (seconds at most): read it again soon.
            await asyncio.sleep(min(self.retry.max_backoff, _PAUSED_RETRY_SECONDS))
            return
        # An outage must not become a busy loop.
        logger.exception("%s not processed; it will be read again", what, exc_info=error)
        await asyncio.sleep(self.retry.max_backoff)

    def _subscribe(
        self, broker: KafkaBroker, handler: Callable[[KafkaMessage], Awaitable[None]], **extra: Any
    ) -> None:
        broker.subscriber(
            self.topic,
            # The handler gets FastStream's message itself (its records, undecoded): the
            # envelope is parsed here, once (the broker applies no types, see make_broker).
            decoder=_as_received,
            group_id=self.group,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            # A rebalance waits at most this long for members to rejoin: keeps a replica's
            # shutdown during a rebalance short (the default is five minutes).
            max_poll_interval_ms=30_000,
            session_timeout_ms=10_000,
            # Members learn of a rebalance (a replica joining or leaving) at their next
            # heartbeat: once a second keeps a scale-up or a restart from pausing the group
            # for the default three.
            heartbeat_interval_ms=1_000,
            **extra,
        )(handler)

    async def process(self, record: ConsumerRecord) -> Outcome:
        try:
            envelope = Envelope.from_bytes(record.value or b"")
        except EnvelopeError as exc:
            outcome = await self._dead_letter(record, exc, attempts=1)
            metrics.EVENTS_HANDLED.labels(self.logical_topic, self.group, "unparsable", outcome).inc()
            return outcome
        token = bind_correlation_id(envelope.correlation_id)
        started = time.perf_counter()
        try:
            outcome = await self._dispatch(record, envelope)
        finally:
            reset_correlation_id(token)
        if outcome is not Outcome.IGNORED:
            metrics.EVENT_HANDLER_SECONDS.labels(self.logical_topic, self.group, envelope.type).observe(
                time.perf_counter() - started
            )
        metrics.EVENTS_HANDLED.labels(self.logical_topic, self.group, envelope.type, outcome).inc()
        return outcome

    async def _dispatch(self, record: ConsumerRecord, envelope: Envelope) -> Outcome:
        handler = self.handlers.get((envelope.type, envelope.version))
        if handler is None:
            if envelope.type in self.known_types:
                # A version this consumer cannot read yet: park it for a re-drive.
                return await self._dead_letter(
                    record, UnknownEventError(f"unsupported {envelope.type} v{envelope.version}"), 1
                )
            return Outcome.IGNORED
        try:
            event = parse_event(envelope)
        except EnvelopeError as exc:
            return await self._dead_letter(record, exc, attempts=1)
        attempts = 0
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.retry.max_attempts),
                retry=retry_if_exception(worth_retrying),
                wait=wait_exponential_jitter(
                    multiplier=self.retry.initial_backoff,
                    max=self.retry.max_backoff,
                    jitter=self.retry.initial_backoff,
                ),
            ):
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    if attempts > 1:
                        metrics.EVENT_RETRIES.labels(self.logical_topic, self.group).inc()
                    await handler(envelope, event)
        except RetryError as exc:
            failure = exc.last_attempt.exception() or exc
            return await self._dead_letter(record, failure, attempts)
        except ChorusError as exc:
            return await self._dead_letter(record, exc, attempts)
        return Outcome.HANDLED

    async def _dead_letter(self, record: ConsumerRecord, error: BaseException, attempts: int) -> Outcome:
        logger.error(
            "dead-lettering %s[%s]@%s after %s attempt(s): %r",
            record.topic,
            record.partition,
            record.offset,
            attempts,
            error,
        )
        await self.dead_letters.send(record, error=error, attempts=attempts)
        metrics.DLQ_MESSAGES.labels(self.logical_topic, self.group).inc()
        return Outcome.DEAD_LETTERED
