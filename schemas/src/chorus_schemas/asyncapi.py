"""The AsyncAPI 3.0 document of the Chorus bus, generated from the event models.

Every topic is a channel; every (event type, version) is a message whose payload
is the envelope with that event's schema as ``data``; the Kafka headers tools
filter on are described too. The document is committed as a snapshot (checked
by `chorus-schemas check`) and served by the gateway at /asyncapi.json.
"""

from pathlib import Path
from typing import Any

import orjson

from chorus_schemas.envelope import Envelope
from chorus_schemas.events.base import Event
from chorus_schemas.registry import EVENT_TYPES
from chorus_schemas.topics import DLQ_SUFFIX, Topic

ASYNCAPI_FILE = Path(__file__).resolve().parents[2] / "asyncapi" / "chorus.asyncapi.json"
_REF = "#/components/schemas/{model}"

TOPIC_DESCRIPTIONS = {
    Topic.USERS_EVENTS: "Accounts and the friend graph, keyed by user id. Produced by users.",
    Topic.RATINGS_EVENTS: "Albums, ratings, reviews and likes, keyed by album id. Produced by reviews.",
    Topic.RATINGS_COMMANDS: "Commands to the reviews service, keyed by rating id. From forums, and anyone.",
    Topic.FORUMS_EVENTS: "Room life cycle, messages and saved records, keyed by room id. Produced by forums.",
}

_HEADERS = {
    "type": "object",
    "description": "Kafka headers, so tools can filter without parsing bodies.",
    "properties": {
        "event-id": {"type": "string", "format": "uuid"},
        "event-type": {"type": "string"},
        "event-version": {"type": "string", "pattern": "^[0-9]+$"},
        "correlation-id": {"type": "string"},
    },
    "required": ["event-id", "event-type", "event-version"],
}

_DEAD_LETTER_HEADERS = {
    "type": "object",
    "description": "The original headers plus why and where the message failed.",
    "properties": {
        "dlq-original-topic": {"type": "string"},
        "dlq-original-partition": {"type": "string"},
        "dlq-original-offset": {"type": "string"},
        "dlq-error": {"type": "string"},
        "dlq-attempts": {"type": "string"},
        "dlq-consumer-group": {"type": "string"},
        "dlq-failed-at": {"type": "string", "format": "date-time"},
    },
}


def message_name(event_type: type[Event]) -> str:
    return f"{event_type.TYPE}.v{event_type.VERSION}"


def _schema(model: type[Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON Schema with its nested definitions hoisted into components."""
    schema: dict[str, Any] = model.model_json_schema(ref_template=_REF)
    schemas.update(schema.pop("$defs", {}))
    return schema


def _message(event_type: type[Event], schemas: dict[str, Any]) -> dict[str, Any]:
    data_schema = f"{event_type.__name__}V{event_type.VERSION}"
    schemas[data_schema] = _schema(event_type, schemas)
    return {
        "name": message_name(event_type),
        "title": f"{event_type.__name__} v{event_type.VERSION}",
        "summary": (event_type.__doc__ or "").strip().splitlines()[0] if event_type.__doc__ else "",
        "contentType": "application/json",
        "headers": _HEADERS,
        "payload": {
            "allOf": [
                {"$ref": _REF.format(model="Envelope")},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": event_type.TYPE},
                        "version": {"const": event_type.VERSION},
                        "data": {"$ref": _REF.format(model=data_schema)},
                    },
                },
            ]
        },
        "bindings": {"kafka": {"key": {"type": "string", "description": "The aggregate id."}}},
    }


def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {"Envelope": _schema(Envelope, {})}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in Topic:
        events = [event_type for event_type in EVENT_TYPES if topic == event_type.TOPIC]
        for event_type in events:
            messages[message_name(event_type)] = _message(event_type, schemas)
        refs = {message_name(e): {"$ref": f"#/components/messages/{message_name(e)}"} for e in events}
        channels[str(topic)] = {
            "address": str(topic),
            "description": TOPIC_DESCRIPTIONS[topic],
            "messages": refs,
        }
        channels[f"{topic}{DLQ_SUFFIX}"] = {
            "address": f"{topic}{DLQ_SUFFIX}",
            "description": f"Messages from {topic} that a consumer could not process, with the reason.",
            "messages": {"deadLetter": {"$ref": "#/components/messages/deadLetter"}},
        }
        operations[f"publish.{topic}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "messages": [{"$ref": f"#/channels/{topic}/messages/{name}"} for name in refs],
        }
        operations[f"consume.{topic}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{topic}"},
            "summary": "Consumers use their own group, commit after applying, and accept every version.",
            "messages": [{"$ref": f"#/channels/{topic}/messages/{name}"} for name in refs],
        }
    messages["deadLetter"] = {
        "name": "deadLetter",
        "summary": "The original bytes and key, unchanged; the failure is described in headers.",
        "headers": _DEAD_LETTER_HEADERS,
        "payload": {},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Chorus events",
            "version": "1.0.0",
            "description": "Domain events and commands on the Chorus Kafka bus (see events.md).",
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "`just up`"},
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def dumps(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def is_current(path: Path = ASYNCAPI_FILE) -> bool:
    return path.exists() and path.read_bytes() == dumps(document())


def write(path: Path = ASYNCAPI_FILE) -> bool:
    """Write the snapshot; True when it changed."""
    if is_current(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dumps(document()))
    return True
