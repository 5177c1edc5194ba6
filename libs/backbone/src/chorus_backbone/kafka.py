"""The Kafka broker every service uses: idempotent producer, acks from all in-sync replicas."""

import asyncio
from typing import Protocol

from faststream.kafka import KafkaBroker


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
        bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=10_000,
    )


class BrokerPublisher:
    """Publishes raw bodies through a FastStream broker, many at a time, order kept per key."""

    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def send_many(self, messages: list[OutgoingMessage]) -> None:
        # Queue every record first, then wait: aiokafka batches them and the
        # idempotent producer keeps each partition in the order queued.
        pending = [
            await self.broker.publish(
                message.body,
                message.topic,
                key=message.key.encode(),
                headers=message.headers,
                no_confirm=True,
            )
            for message in messages
        ]
        await asyncio.gather(*pending)
