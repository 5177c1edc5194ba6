"""The AsyncAPI document covers every topic and event, and every reference in it resolves."""

from typing import Any

from chorus_schemas import Topic, asyncapi
from chorus_schemas.registry import EVENT_TYPES


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_the_committed_snapshot_is_current() -> None:
    assert asyncapi.is_current(), "run `just schemas` to regenerate the AsyncAPI document"


def test_every_topic_is_a_channel_with_its_events_and_a_dead_letter_channel() -> None:
    document = asyncapi.document()

    assert document["asyncapi"] == "3.0.0"
    for topic in Topic:
        channel = document["channels"][str(topic)]
        expected = {asyncapi.message_name(e) for e in EVENT_TYPES if topic == e.TOPIC}
        assert set(channel["messages"]) == expected
        assert f"{topic}.dlq" in document["channels"]
    assert len(document["components"]["messages"]) == len(EVENT_TYPES) + 1


def test_every_reference_resolves_inside_the_document() -> None:
    document = asyncapi.document()
    refs = _refs(document)

    assert len(refs) > len(EVENT_TYPES) * 2
    for ref in refs:
        assert _resolve(document, ref) is not None
