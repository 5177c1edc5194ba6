"""The Kafka broker every service uses: idempotent producer, acks from all in-sync replicas."""

import asyncio
import logging
from typing import Protocol

from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from opentelemetry import trace
from prometheus_client import REGISTRY

from chorus_backbone.tracing import attach_trace_headers, detach


class RawPublisher(Protocol):
    """Sends already-serialized messages; the relay and the DLQ need nothing more."""

    async def send_many(self, messages: list["OutgoingMessage"]) -> None: ...


class OutgoingMessage:
    __slots__ = ("body", "headers", "key", "topic")

    def __init__(self, topic: str, key: str, body: bytes, headers: dict[str, str]) -> None:
        self.topic = topic
        self.key = key
        self.body = body
        self.headers = headers


def make_broker(bootstrap: str, *, client_id: str) -> KafkaBroker:
    return KafkaBroker(
        # FastStream takes a string as one address; "host:port,host:port" names several brokers.
        [address.strip() for address in bootstrap.split(",")],
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=10_000,
        # FastStream logs every message received and processed at this level: not at INFO.
        log_level=logging.DEBUG,
        # Handlers take the message as it came (chorus_backbone.consumer), so no dependency
        # injection runs per message: FastStream resolves a `Context` parameter such as its
        # `KafkaMessage` annotation in a worker thread, one thread hand-off per message.
        apply_types=False,
        middlewares=[
            # Spans for every publish and consume, linked by W3C traceparent headers.
            KafkaTelemetryMiddleware(tracer_provider=trace.get_tracer_provider()),
            # Messages consumed and published, by topic, with processing time.
            KafkaPrometheusMiddleware(registry=REGISTRY, app_name=client_id),
        ],
    )


class BrokerPublisher:
    """Publishes raw bodies through a FastStream broker, many at a time, order kept per key."""

    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def send_many(self, messages: list[OutgoingMessage]) -> None:
        # Queue every record first, then wait: aiokafka batches them and the
        # idempotent producer keeps each partition in the order queued.
        pending = []
        for message in messages:
            # Publish under the trace of the request that wrote the event.
            token = attach_trace_headers(message.headers)
            try:
                pending.append(
                    await self.broker.publish(
                        message.body,
                        message.topic,
                        key=message.key.encode(),
                        headers=dict(message.headers),
                        no_confirm=True,
                    )
                )
            finally:
                detach(token)
        await asyncio.gather(*pending)
