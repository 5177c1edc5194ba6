"""Hands an unprocessable message to ``<topic>.dlq``, with why, so its partition moves on."""

from datetime import UTC, datetime

from aiokafka import ConsumerRecord

from chorus_backbone.kafka import OutgoingMessage, RawPublisher
from chorus_schemas.topics import DLQ_SUFFIX

HEADER_ORIGINAL_TOPIC = "dlq-original-topic"
HEADER_ORIGINAL_PARTITION = "dlq-original-partition"
HEADER_ORIGINAL_OFFSET = "dlq-original-offset"
HEADER_ERROR = "dlq-error"
HEADER_ATTEMPTS = "dlq-attempts"
HEADER_CONSUMER_GROUP = "dlq-consumer-group"
HEADER_FAILED_AT = "dlq-failed-at"
_MAX_ERROR_LENGTH = 2_000


def _decoded_headers(record: ConsumerRecord) -> dict[str, str]:
    return {
        name: value.decode("utf-8", "replace")
        for name, value in (record.headers or ())
        if not name.startswith("dlq-")
    }


class DeadLetters:
    def __init__(self, publisher: RawPublisher, *, group: str) -> None:
        self.publisher = publisher
        self.group = group

    async def send(self, record: ConsumerRecord, *, error: BaseException | str, attempts: int) -> None:
        """Publish the original bytes and key, with the failure described in headers."""
        headers = _decoded_headers(record)
        headers.update(
            {
                HEADER_ORIGINAL_TOPIC: record.topic,
                HEADER_ORIGINAL_PARTITION: str(record.partition),
                HEADER_ORIGINAL_OFFSET: str(record.offset),
                HEADER_ERROR: (repr(error) if isinstance(error, BaseException) else error)[
                    :_MAX_ERROR_LENGTH
                ],
                HEADER_ATTEMPTS: str(attempts),
                HEADER_CONSUMER_GROUP: self.group,
                HEADER_FAILED_AT: datetime.now(UTC).isoformat(),
            }
        )
        key = record.key.decode("utf-8", "replace") if record.key else ""
        await self.publisher.send_many(
            [OutgoingMessage(f"{record.topic}{DLQ_SUFFIX}", key, record.value or b"", headers)]
        )
