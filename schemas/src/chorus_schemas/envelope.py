"""The one envelope every message on the bus travels in (CloudEvents-style)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from chorus_schemas.events.base import Event

# Header names duplicated from the body so tools can filter without parsing it.
HEADER_EVENT_ID = "event-id"
HEADER_EVENT_TYPE = "event-type"
HEADER_EVENT_VERSION = "event-version"
HEADER_CORRELATION_ID = "correlation-id"


class EnvelopeError(ValueError):
    """A message body that is not a valid Chorus envelope."""


class Envelope(BaseModel):
    """Metadata around one event: identity, provenance, ordering key and trace ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID = Field(description="Unique per event; consumers use it as the idempotency key.")
    type: str = Field(description="Event type, e.g. ratings.RatingChanged.")
    version: int = Field(ge=1, description="Schema version of data.")
    source: str = Field(description="Name of the producing service.")
    time: AwareDatetime
    key: str = Field(description="Partition key: the aggregate id.")
    correlation_id: str | None = Field(
        default=None, description="Request id of the action that caused this event."
    )
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        source: str,
        correlation_id: str | None = None,
        event_id: UUID | None = None,
        time: datetime | None = None,
    ) -> Envelope:
        return cls(
            id=event_id or uuid4(),
            type=event.TYPE,
            version=event.VERSION,
            source=source,
            time=time or datetime.now(UTC),
            key=event.partition_key(),
            correlation_id=correlation_id,
            data=event.model_dump(mode="json"),
        )

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        try:
            return cls.model_validate(orjson.loads(body))
        except (orjson.JSONDecodeError, ValidationError) as exc:
            raise EnvelopeError(f"not a valid event envelope: {exc}") from exc

    def headers(self) -> dict[str, str]:
        headers = {
            HEADER_EVENT_ID: str(self.id),
            HEADER_EVENT_TYPE: self.type,
            HEADER_EVENT_VERSION: str(self.version),
        }
        if self.correlation_id:
            headers[HEADER_CORRELATION_ID] = self.correlation_id
        return headers
