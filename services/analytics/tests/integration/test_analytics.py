"""The analytics consumer against the real Kafka and MongoDB-wire server."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer

from analytics.settings import AnalyticsSettings
from chorus_devinfra.probes import committed_offsets, eventually, publish_events
from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.serving import serving
from chorus_ops.groups import describe_group
from chorus_schemas import Event, Topic, TopicNames
from chorus_schemas.events.forums import MemberJoined, MessagePosted, RoomOpened
from chorus_schemas.events.ratings import AlbumAdded, RatingChanged, RatingChangedV2
from forums.api.app import create_app as create_forums_app
from forums.settings import ForumsSettings

pytestmark = pytest.mark.integration


def _rating(album_id: int, rating_id: int) -> RatingChanged:
    return RatingChanged(
        album_id=album_id, rating_id=rating_id, user_id=rating_id, score=4.0, avg_rating=4.0, ratings_count=1
    )


def _rating_v2(album_id: int, rating_id: int) -> RatingChangedV2:
    """What the reviews service announces now: the change, without the aggregate."""
    return RatingChangedV2(album_id=album_id, rating_id=rating_id, user_id=rating_id, score=4.0, version=1)


async def _consumed(
    settings: AnalyticsSettings | ForumsSettings, group: str, topic: Topic, count: int
) -> None:
    name = TopicNames(settings.topic_prefix).name(topic)
    await eventually(
        lambda: committed_offsets(settings.kafka_bootstrap, settings.consumer_group(group), name),
        lambda done: done == count,
        timeout=30,
    )


async def test_the_report_counts_exactly_the_events_produced(
    namespace: Namespace, analytics_settings, analytics_env, analytics_consumer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    earlier = now - timedelta(hours=1)
    bus = (namespace.kafka_bootstrap, namespace.topic_prefix)
    async with analytics_consumer:
        await publish_events(*bus, [AlbumAdded(album_id=1, title="Blue", artist="Joni Mitchell")])
        await publish_events(*bus, [AlbumAdded(album_id=2, title="Kid A", artist="Radiohead")])
        await publish_events(*bus, [_rating(1, 1), _rating(1, 2), _rating(1, 3)], at=earlier)
        [again] = await publish_events(*bus, [_rating(1, 4)], at=now)
        await publish_events(*bus, [_rating(1, 5), _rating_v2(2, 6)], at=now)
        room: list[Event] = [
            RoomOpened(room_id=7, creator_id=1, title="Blue night", album_id=1),
            MemberJoined(room_id=7, user_id=1),
            MemberJoined(room_id=7, user_id=2),
            *[MessagePosted(room_id=7, message_id=i, user_id=1, text="hi") for i in range(1, 5)],
        ]
        await publish_events(*bus, room, at=now)
        # A redelivered event (same id) is counted once.
        producer = AIOKafkaProducer(bootstrap_servers=namespace.kafka_bootstrap)
        await producer.start()
        try:
            topic = TopicNames(namespace.topic_prefix).name(Topic.RATINGS_EVENTS)
            await producer.send_and_wait(topic, again.to_bytes(), key=again.key.encode())
        finally:
            await producer.stop()
        await _consumed(analytics_settings, "ratings", Topic.RATINGS_EVENTS, 9)
        await _consumed(analytics_settings, "rooms", Topic.FORUMS_EVENTS, 7)

    chart = tmp_path / "activity.png"
    process = await asyncio.create_subprocess_exec(
        "chorus-analytics",
        "report",
        "--json",
        "--hours",
        "3",
        "--chart",
        str(chart),
        env=analytics_env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()

    assert process.returncode == 0, stderr.decode()
    report = orjson.loads(stdout)
    hour = now.replace(minute=0, second=0, microsecond=0)
    previous_hour = earlier.replace(minute=0, second=0, microsecond=0)
    [blue, kid_a] = report["trending_albums"]
    assert (blue["id"], blue["label"], blue["ratings"]) == (1, "Blue — Joni Mitchell", 5)
    assert blue["by_hour"] == {previous_hour.isoformat(): 3, hour.isoformat(): 2}
    assert (kid_a["id"], kid_a["ratings"], kid_a["by_hour"]) == (2, 1, {hour.isoformat(): 1})
    [busiest] = report["busiest_rooms"]
    assert (busiest["id"], busiest["label"], busiest["messages"], busiest["joins"]) == (7, "Blue night", 4, 2)
    assert chart.read_bytes().startswith(b"\x89PNG")


async def test_tapping_in_its_own_groups_does_not_disturb_the_services(
    namespace: Namespace, analytics_settings, analytics_consumer
) -> None:
    forums_settings = namespace.settings(ForumsSettings)
    forums_group = forums_settings.consumer_group("ratings")
    async with (
        serving(create_forums_app(forums_settings)) as forums_url,
        httpx.AsyncClient(base_url=forums_url) as forums,
    ):
        await publish_events(
            namespace.kafka_bootstrap, namespace.topic_prefix, [_rating(3, i) for i in range(1, 6)]
        )
        await _consumed(forums_settings, "ratings", Topic.RATINGS_EVENTS, 5)
        before = await describe_group(namespace.kafka_bootstrap, forums_group)

        async with analytics_consumer:
            await _consumed(analytics_settings, "ratings", Topic.RATINGS_EVENTS, 5)
            await publish_events(
                namespace.kafka_bootstrap, namespace.topic_prefix, [_rating(3, i) for i in range(6, 9)]
            )
            await _consumed(forums_settings, "ratings", Topic.RATINGS_EVENTS, 8)
            await _consumed(analytics_settings, "ratings", Topic.RATINGS_EVENTS, 8)
            during = await describe_group(namespace.kafka_bootstrap, forums_group)
        after = await describe_group(namespace.kafka_bootstrap, forums_group)
        ready = await forums.get("/readyz")

    assert (before.state, before.members) == ("Stable", 1)
    assert (during.state, during.members) == ("Stable", 1)  # the services' group never rebalanced for it
    assert (after.state, after.members) == ("Stable", 1)
    assert ready.status_code == 200
