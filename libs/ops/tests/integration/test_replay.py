"""`chorus replay`: a projection rebuilt from the topics beside the live one, verified, switched to."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from chorus_backbone import mongo
from chorus_backbone.projection import GenerationPointer
from chorus_devinfra.probes import committed_offsets, eventually, publish_events
from chorus_schemas import Event, Topic, TopicNames
from chorus_schemas.events.ratings import AlbumAdded, RatingChanged
from chorus_schemas.events.users import FriendAccepted, FriendRemoved
from forums.settings import ForumsSettings
from forums.testing import ForumsApi

pytestmark = pytest.mark.integration

HISTORY: list[Event] = [
    AlbumAdded(album_id=1, title="Blue", artist="Joni Mitchell"),
    AlbumAdded(album_id=2, title="Kid A", artist="Radiohead"),
    AlbumAdded(album_id=3, title="Nevermind", artist="Nirvana"),
    RatingChanged(album_id=1, rating_id=1, user_id=5, score=5.0, avg_rating=5.0, ratings_count=1),
    RatingChanged(album_id=1, rating_id=2, user_id=6, score=4.0, avg_rating=4.5, ratings_count=2),
    RatingChanged(album_id=2, rating_id=3, user_id=5, score=2.0, avg_rating=2.0, ratings_count=1),
    FriendAccepted(sender_id=5, receiver_id=6),
    FriendAccepted(sender_id=5, receiver_id=7),
    FriendRemoved(user_id=5, friend_id=7),
]


async def _publish_and_wait_for_live(settings: ForumsSettings, events: list[Event]) -> None:
    """Publish, then wait until the live service's consumers have committed everything on both topics."""
    topics = TopicNames(settings.topic_prefix)
    before = {
        topic: await committed_offsets(
            settings.kafka_bootstrap, settings.consumer_group(group), topics.name(topic)
        )
        for topic, group in ((Topic.RATINGS_EVENTS, "ratings"), (Topic.USERS_EVENTS, "users"))
    }
    await publish_events(settings.kafka_bootstrap, settings.topic_prefix, events, source="tests")
    for topic, group in ((Topic.RATINGS_EVENTS, "ratings"), (Topic.USERS_EVENTS, "users")):
        expected = before[topic] + sum(1 for event in events if topic == event.TOPIC)
        await eventually(
            lambda topic=topic, group=group: committed_offsets(
                settings.kafka_bootstrap, settings.consumer_group(group), topics.name(topic)
            ),
            lambda done, expected=expected: done == expected,
            timeout=30,
        )


async def _discovered(forums: ForumsApi, viewer: int) -> dict[int, dict[str, Any]]:
    response = await forums.client.get("/api/games/discover", headers=forums.user(viewer))
    assert response.status_code == 200, response.text
    return {room["album_id"]: room for room in response.json()}


async def _database(settings: ForumsSettings) -> tuple[mongo.MongoClient, mongo.Database]:
    client = mongo.connect(settings.mongodb_url, app_name="tests")
    return client, client[settings.mongodb_database]


def _report(stdout: str) -> dict[str, Any]:
    [line] = [line for line in stdout.splitlines() if line.startswith("{")]
    return orjson.loads(line)


async def test_a_replayed_projection_equals_the_live_one_and_the_service_switches_to_it(
    forums: ForumsApi, chorus, service_env
) -> None:
    settings = forums.settings
    await _publish_and_wait_for_live(settings, HISTORY)
    await forums.open_room(5, album_id=1)
    await forums.open_room(6, album_id=2)
    member, _ = await forums.join(await forums.open_room(6, album_id=3), 6)
    before = await _discovered(forums, 5)

    verified = await chorus("replay", "forums", "--json", env=service_env)
    switched = await chorus("replay", "forums", "--switch", "--json", env=service_env)
    after = await _discovered(forums, 5)
    await _publish_and_wait_for_live(
        settings,
        [RatingChanged(album_id=3, rating_id=4, user_id=9, score=3.5, avg_rating=3.5, ratings_count=1)],
    )
    later = await _discovered(forums, 5)
    client, database = await _database(settings)
    try:
        pointer = await GenerationPointer(database, "forums").read()
        collections = set(await database.list_collection_names())
    finally:
        await client.close()
    await member.close()

    check = _report(verified.stdout)
    assert verified.status == 0, verified.stderr
    assert check["equal"] is True
    assert check["switched"] is False
    assert check["events_read"] == len(HISTORY)
    assert {d["collection"]: d["live_documents"] for d in check["differences"]} == {
        "albums": 3,
        "friendships": 1,
    }
    report = _report(switched.stdout)
    assert switched.status == 0, switched.stderr
    assert report["equal"] is True
    assert report["switched"] is True
    assert report["live_caught_up"] is True
    assert pointer.active.number == report["rebuilt_generation"] > 0
    assert pointer.paused_until is None
    assert "albums" not in collections  # the replaced generation was dropped
    assert f"albums__g{pointer.active.number}" in collections
    assert after == before
    assert (before[1]["avg_rating"], before[2]["avg_rating"], before[3]["avg_rating"]) == (4.5, 2.0, 0.0)
    assert before[3]["friends_in"] is True  # 6 is 5's friend, and in the room
    assert later[3]["avg_rating"] == 3.5  # the live consumer now writes the new generation


async def test_replay_shows_a_damaged_live_projection_and_switches_only_when_told_to_accept_it(
    forums: ForumsApi, chorus, service_env
) -> None:
    settings = forums.settings
    await _publish_and_wait_for_live(settings, HISTORY)
    await forums.open_room(5, album_id=1)
    client, database = await _database(settings)
    try:
        await database["albums"].update_one({"_id": 1}, {"$set": {"avg_rating": 1.0}})
        damaged = await _discovered(forums, 5)

        found = await chorus("replay", "forums", "--json", env=service_env)
        refused = await chorus("replay", "forums", "--switch", "--json", env=service_env)
        repaired = await chorus(
            "replay", "forums", "--switch", "--accept-differences", "--json", env=service_env
        )
        pointer = await GenerationPointer(database, "forums").read()
    finally:
        await client.close()
    healed = await _discovered(forums, 5)

    [albums] = [d for d in _report(found.stdout)["differences"] if d["collection"] == "albums"]
    assert damaged[1]["avg_rating"] == 1.0
    assert found.status == 0
    assert (albums["changed"], albums["examples"]["changed"]) == (1, [1])
    assert refused.status == 1
    assert _report(refused.stdout)["switched"] is False
    assert "differences found" in _report(refused.stdout)["outcome"]
    assert repaired.status == 0, repaired.stderr
    assert _report(repaired.stdout)["switched"] is True
    assert pointer.active.number == _report(repaired.stdout)["rebuilt_generation"]
    assert healed[1]["avg_rating"] == 4.5


async def test_replay_since_a_time_reapplies_newer_events_over_a_copy_of_the_live_projection(
    forums: ForumsApi, chorus, service_env
) -> None:
    settings = forums.settings
    await _publish_and_wait_for_live(settings, HISTORY)
    await asyncio.sleep(0.05)
    cut = datetime.now(UTC)
    await asyncio.sleep(0.05)
    newer = RatingChanged(album_id=2, rating_id=9, user_id=8, score=4.0, avg_rating=3.0, ratings_count=2)
    await _publish_and_wait_for_live(settings, [newer])
    client, database = await _database(settings)
    try:
        # Damage done after the cut (by, say, a bug since fixed) is what a replay since the cut repairs.
        await database["albums"].update_one({"_id": 2}, {"$set": {"avg_rating": 0.5}})
        result = await chorus(
            "replay",
            "forums",
            "--since",
            cut.isoformat(),
            "--switch",
            "--accept-differences",
            "--json",
            env=service_env,
        )
        pointer = await GenerationPointer(database, "forums").read()
        rebuilt = {d["_id"]: d async for d in database[pointer.active.collection("albums")].find()}
    finally:
        await client.close()

    report = _report(result.stdout)
    assert result.status == 0, result.stderr
    assert report["events_read"] == 1
    assert report["switched"] is True
    assert rebuilt[2]["avg_rating"] == 3.0  # re-applied
    assert (rebuilt[1]["avg_rating"], rebuilt[1]["title"]) == (4.5, "Blue")  # carried over
    assert set(rebuilt) == {1, 2, 3}


async def test_replaying_an_unknown_projection_is_refused(chorus) -> None:
    result = await chorus("replay", "nothing-like-it")

    assert result.status == 2
    assert "no projection named 'nothing-like-it'" in result.stderr
    assert "forums" in result.stderr
