"""Consumption a batch at a time: one store of the batch's effect, one offset commit.

For consumers whose effects commute (folding counts, pushing frames that carry their
own ids, keeping the newest of a sequence): the handler gets every event of a fetch
at once and stores their effect together. The offsets are committed after it
returns. A batch that keeps failing is taken apart and each message goes the
one-at-a-time way, with its own retries and, at worst, the dead-letter topic, so
one poison message never holds the others back.
"""

import logging
import time
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from chorus_backbone import metrics
from chorus_backbone.consumer import EventConsumer, Outcome, RetryPolicy, worth_retrying
from chorus_backbone.dead_letters import DeadLetters
from chorus_backbone.projection import ProjectionPaused
from chorus_backbone.tracing import attach_trace_headers, current_trace_headers, detach
from chorus_schemas import Envelope, EnvelopeError, Event, TopicNames, parse_event

logger = logging.getLogger(__name__)

_tracer = trace.get_tracer("chorus.consumer")


@dataclass(frozen=True)
class Delivery:
    """One event of a batch, with the trace context it was published under."""

    envelope: Envelope
    event: Event
    topic: str
    trace_headers: Mapping[str, str]

    @contextmanager
    def traced(self) -> Iterator[None]:
        """Work done for this one event, in its own trace (a batch spans many)."""
        token = attach_trace_headers(self.trace_headers)
        try:
            with _tracer.start_as_current_span(f"{self.topic} process", kind=SpanKind.CONSUMER):
                yield
        finally:
            detach(token)


BatchHandler = Callable[[list[Delivery]], Awaitable[None]]


class BatchEventConsumer(EventConsumer):
    """One consumer group reading one topic up to ``max_records`` messages at a time (gathered
    for up to ``gather_ms`` when set: a consumer no one waits on stores far fewer batches)."""

    def __init__(
        self,
        *,
        topic: str,
        group: str,
        handles: Collection[type[Event]],
        on_batch: BatchHandler,
        dead_letters: DeadLetters,
        retry: RetryPolicy | None = None,
        topics: TopicNames | None = None,
        max_records: int = 500,
        batch_timeout_ms: int = 5,
        gather_ms: int = 0,
    ) -> None:
        async def one(envelope: Envelope, event: Event) -> None:
            await on_batch([Delivery(envelope, event, self.topic, current_trace_headers())])

        super().__init__(
            topic=topic,
            group=group,
            handlers=dict.fromkeys(handles, one),
            dead_letters=dead_letters,
            retry=retry or RetryPolicy(),
            topics=topics,
        )
        self.on_batch = on_batch
        self.max_records = max_records
        self.batch_timeout_ms = batch_timeout_ms
        self.gather_ms = gather_ms

    def register(self, broker: KafkaBroker) -> None:
        async def on_messages(message: KafkaMessage) -> None:
            raw = message.raw_message
            try:
                await self.process_batch(list(raw) if isinstance(raw, tuple) else [raw])
            except Exception as error:
                await self._before_reading_again(error, "batch")
                raise

        self._subscribe(
            broker,
            on_messages,
            batch=True,
            max_records=self.max_records,
            batch_timeout_ms=self.batch_timeout_ms,
            # With a gather window the broker holds each fetch until that much time passed (or
            # a megabyte waits): fewer, larger batches for a consumer in no hurry.
            **({"fetch_min_bytes": 1 << 20, "fetch_max_wait_ms": self.gather_ms} if self.gather_ms else {}),
        )

    async def process_batch(self, records: list[ConsumerRecord]) -> None:
        """Store the effect of every handled event in ``records``; the rest go one at a time."""
        handled: list[tuple[ConsumerRecord, Envelope, Event]] = []
        one_at_a_time: list[ConsumerRecord] = []
        for record in records:
            try:
                envelope = Envelope.from_bytes(record.value or b"")
                if (envelope.type, envelope.version) not in self.handlers:
                    if envelope.type in self.known_types:
                        one_at_a_time.append(record)  # a version this group cannot read: parked
                    else:
                        metrics.EVENTS_HANDLED.labels(
                            self.logical_topic, self.group, envelope.type, Outcome.IGNORED
                        ).inc()
                    continue
                handled.append((record, envelope, parse_event(envelope)))
            except EnvelopeError:
                one_at_a_time.append(record)
        if handled and not await self._batch_stored(handled):
            one_at_a_time.extend(record for record, _, _ in handled)
        for record in sorted(one_at_a_time, key=lambda r: (r.partition, r.offset)):
            await self.process(record)

    async def _batch_stored(self, handled: list[tuple[ConsumerRecord, Envelope, Event]]) -> bool:
        started = time.perf_counter()
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.retry.max_attempts),
                retry=retry_if_exception(worth_retrying),
                wait=wait_exponential_jitter(
                    multiplier=self.retry.initial_backoff,
                    max=self.retry.max_backoff,
                    jitter=self.retry.initial_backoff,
                ),
                reraise=True,
            ):
                with attempt:
                    await self.on_batch(
                        [
                            Delivery(envelope, event, self.topic, _trace_headers(record))
                            for record, envelope, event in handled
                        ]
                    )
        except ProjectionPaused:
            raise  # read again after the pause, like a single message
        except Exception:
            logger.warning(
                "a batch of %d failed; taking it one message at a time", len(handled), exc_info=True
            )
            return False
        elapsed = (time.perf_counter() - started) / len(handled)
        for _, envelope, _ in handled:
            metrics.EVENT_HANDLER_SECONDS.labels(self.logical_topic, self.group, envelope.type).observe(
                elapsed
            )
            metrics.EVENTS_HANDLED.labels(
                self.logical_topic, self.group, envelope.type, Outcome.HANDLED
            ).inc()
        return True


def _trace_headers(record: ConsumerRecord) -> dict[str, str]:
    return {key: value.decode() for key, value in record.headers or () if key in _TRACE_HEADERS}


_TRACE_HEADERS = frozenset({"traceparent", "tracestate"})
