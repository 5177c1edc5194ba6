"""`chorus tap` and `chorus topics` against the real Kafka."""

import asyncio
from datetime import UTC, datetime

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from chorus_devinfra.probes import publish_events
from chorus_schemas import Envelope, Topic, TopicNames, parse_event
from chorus_schemas.events.ratings import AlbumAdded, RatingChanged

pytestmark = pytest.mark.integration


def _rating(album_id: int, rating_id: int, score: float) -> RatingChanged:
    return RatingChanged(
        album_id=album_id, rating_id=rating_id, user_id=1, score=score, avg_rating=score, ratings_count=1
    )


def _lines(stdout: str) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stdout.splitlines() if line.strip()]


async def test_topics_apply_creates_then_reports_nothing_to_do_and_describe_shows_them(
    chorus, namespace
) -> None:
    planned = await chorus("topics", "apply")
    created = await chorus("topics", "apply", "--execute")
    again = await chorus("topics", "apply", "--execute")
    described = await chorus("topics", "describe")

    assert planned.status == created.status == again.status == 0
    assert "would create" in planned.stdout
    assert f"{namespace.topic_prefix}ratings.events" in created.stdout
    assert "created" in created.stdout
    assert "created" not in again.stdout
    assert described.status == 0, described.stderr
    views = {view["topic"]: view for view in _lines(described.stdout)}
    ratings = views[f"{namespace.topic_prefix}ratings.events"]
    assert ratings["exists"] is True
    assert ratings["partitions"] == ratings["declared_partitions"]
    assert ratings["messages"] == 0
    assert ratings["drift"] == []


async def test_tap_prints_each_event_validated_and_filters_by_type_key_and_time(chorus, namespace) -> None:
    assert (await chorus("topics", "apply", "--execute")).status == 0
    first = await publish_events(
        namespace.kafka_bootstrap,
        namespace.topic_prefix,
        [AlbumAdded(album_id=1, title="Blue", artist="Joni Mitchell"), _rating(1, 10, 4.5)],
    )
    await asyncio.sleep(0.05)
    between = datetime.now(UTC)
    await asyncio.sleep(0.05)
    later = await publish_events(
        namespace.kafka_bootstrap, namespace.topic_prefix, [_rating(2, 11, 3.0), _rating(1, 12, 5.0)]
    )

    everything = await chorus("tap", "ratings.events")
    ratings_only = await chorus("tap", "ratings.events", "--type", "ratings.RatingChanged", "--key", "1")
    recent = await chorus("tap", "ratings.events", "--since", between.isoformat())
    limited = await chorus("tap", "ratings.events", "--limit", "1")

    assert everything.status == 0, everything.stderr
    lines = _lines(everything.stdout)
    assert {line["event"]["id"] for line in lines} == {str(e.id) for e in first + later}
    for line in lines:
        assert line["valid"] is True
        envelope = Envelope.model_validate(line["event"])
        parse_event(envelope)  # the printed event is the schema's, not just any JSON
        assert line["topic"] == TopicNames(namespace.topic_prefix).name(Topic.RATINGS_EVENTS)
    assert [line["event"]["data"]["rating_id"] for line in _lines(ratings_only.stdout)] == [10, 12]
    assert {line["event"]["id"] for line in _lines(recent.stdout)} == {str(e.id) for e in later}
    assert len(_lines(limited.stdout)) == 1


async def test_tap_flags_a_message_that_does_not_match_its_schema_and_goes_on(chorus, namespace) -> None:
    assert (await chorus("topics", "apply", "--execute")).status == 0
    topic = TopicNames(namespace.topic_prefix).name(Topic.RATINGS_EVENTS)
    broken = Envelope.wrap(_rating(3, 1, 4.0), source="tests").model_copy(update={"data": {"album_id": "x"}})
    producer = AIOKafkaProducer(bootstrap_servers=namespace.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"not json at all", key=b"3")
        await producer.send_and_wait(topic, broken.to_bytes(), key=b"3")
    finally:
        await producer.stop()
    [good] = await publish_events(namespace.kafka_bootstrap, namespace.topic_prefix, [_rating(3, 2, 4.0)])

    lines = _lines((await chorus("tap", "ratings.events")).stdout)

    assert [line["valid"] for line in lines] == [False, False, True]
    assert lines[0]["event"] is None
    assert "error" in lines[0]
    assert "RatingChanged" in lines[1]["error"]
    assert lines[2]["event"]["id"] == str(good.id)


async def test_tap_on_a_missing_topic_or_a_bad_time_is_a_clear_refusal(chorus) -> None:
    missing = await chorus("tap", "no.such.topic")
    bad_time = await chorus("tap", "ratings.events", "--since", "last tuesday")

    assert missing.status == 2
    assert "no topic named" in missing.stderr
    assert bad_time.status == 2
    assert "not a time" in bad_time.stderr
    assert "Traceback" not in missing.stderr + bad_time.stderr


async def test_tools_say_when_kafka_is_unreachable(chorus) -> None:
    result = await chorus("tap", "ratings.events", env={"CHORUS_KAFKA_BOOTSTRAP": "127.0.0.1:1"})

    assert result.status == 3
    assert "Kafka unreachable" in result.stderr
    assert "Traceback" not in result.stderr
