"""Chorus's shared contracts: the event envelope, every event schema, topic names, gRPC stubs."""

from chorus_schemas.envelope import Envelope, EnvelopeError
from chorus_schemas.events.base import Event
from chorus_schemas.registry import EVENT_TYPES, UnknownEventError, parse_event
from chorus_schemas.topics import Topic, TopicNames

__all__ = [
    "EVENT_TYPES",
    "Envelope",
    "EnvelopeError",
    "Event",
    "Topic",
    "TopicNames",
    "UnknownEventError",
    "parse_event",
]
