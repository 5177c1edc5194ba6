"""What forums takes from the bus (averages, friends, live events) and what it sends (rate)."""

import pytest

from chorus_devinfra.probes import committed_offsets, eventually, read_topic
from chorus_schemas import Envelope, Topic, TopicNames
from chorus_schemas.events.ratings import (
    AlbumAdded,
    AlbumAggregateChanged,
    RatingChanged,
    RatingChangedV2,
    ReviewPosted,
)
from chorus_schemas.events.users import FriendAccepted
from forums.testing import ForumsApi

pytestmark = pytest.mark.integration


async def _album(api: ForumsApi, album_id: int, title: str) -> None:
    await api.publish(AlbumAdded(album_id=album_id, title=title, artist="A"), source="reviews")
    await eventually(
        lambda: api.client.post("/api/games/create", json={"album_id": album_id}, headers=api.user(99)),
        lambda response: response.status_code == 200,
    )


async def test_a_rating_made_elsewhere_reaches_the_albums_room_as_an_event_frame(
    forums_api: ForumsApi,
) -> None:
    await _album(forums_api, 70, "In Rainbows")
    room_id = await forums_api.open_room(1, album_id=70)
    member, welcome = await forums_api.join(room_id, 1, replica=1)

    await forums_api.publish(
        RatingChanged(album_id=70, rating_id=5, user_id=8, score=4.5, avg_rating=4.5, ratings_count=1),
        ReviewPosted(album_id=70, review_id=5, user_id=8, score=4.5, excerpt="Reckoner."),
        source="reviews",
    )
    rated = await member.next_of("event", timeout=20)
    reviewed = await member.next_of("event", timeout=20)

    assert welcome["room"]["title"] == "In Rainbows"
    assert rated["name"] == "rating.changed"
    assert (rated["data"]["avg_rating"], rated["data"]["ratings_count"]) == (4.5, 1)
    assert reviewed["name"] == "review.posted"
    assert reviewed["data"]["excerpt"] == "Reckoner."
    await member.close()


async def test_a_rating_shows_at_once_its_folded_average_after_and_a_redelivery_not_at_all(
    forums_api: ForumsApi,
) -> None:
    await _album(forums_api, 74, "Amnesiac")
    room_id = await forums_api.open_room(1, album_id=74)
    here, _ = await forums_api.join(room_id, 1)
    there, _ = await forums_api.join(room_id, 2, replica=1)
    [changed] = await forums_api.publish(
        RatingChangedV2(album_id=74, rating_id=9, user_id=8, score=3.5, previous_score=None, version=1),
        source="reviews",
    )
    await forums_api.publish_again(changed)  # read twice, shown once
    newest, older = await forums_api.publish(
        AlbumAggregateChanged(album_id=74, ratings_count=2, avg_rating=4.0, sequence=2),
        AlbumAggregateChanged(album_id=74, ratings_count=1, avg_rating=3.5, sequence=1),  # out of order
        source="reviews",
    )

    for member in (here, there):
        frames = [await member.next_of("event", timeout=20) for _ in range(3)]
        assert [(f["name"], f["id"]) for f in frames] == [
            ("rating.changed", str(changed.id)),
            ("album.updated", str(newest.id)),
            ("album.updated", str(older.id)),
        ]
        assert frames[0]["data"] == {
            "album_id": 74,
            "rating_id": 9,
            "user_id": 8,
            "score": 3.5,
            "previous_score": None,
            "version": 1,
        }
        assert frames[1]["data"] == {"album_id": 74, "avg_rating": 4.0, "ratings_count": 2, "sequence": 2}
    marker = await forums_api.publish(
        ReviewPosted(album_id=74, review_id=9, user_id=8, score=3.5, excerpt="."), source="reviews"
    )
    assert (await here.next_of("event", timeout=20))["id"] == str(marker[0].id)  # nothing else between
    topic = TopicNames(forums_api.settings.topic_prefix).name(Topic.RATINGS_EVENTS)
    group = f"{forums_api.settings.consumer_group_prefix}forums.ratings"
    await eventually(
        lambda: committed_offsets(forums_api.settings.kafka_bootstrap, group, topic), lambda n: n >= 6
    )

    response = await forums_api.client.get("/api/games/discover", headers=forums_api.user(5))
    assert next(room["avg_rating"] for room in response.json() if room["lobby_id"] == room_id) == 4.0
    await here.close()
    await there.close()


async def test_the_rate_frame_travels_as_an_update_rating_requested_command(forums_api: ForumsApi) -> None:
    await _album(forums_api, 71, "Kid A")
    room_id = await forums_api.open_room(1, album_id=71)
    member, _ = await forums_api.join(room_id, 4)

    await member.send({"type": "rate", "score": 4.5})
    await member.send({"type": "rate", "score": 4.4})
    refused = await member.next_of("error")

    topic = TopicNames(forums_api.settings.topic_prefix).name(Topic.RATINGS_COMMANDS)
    [record] = await read_topic(forums_api.settings.kafka_bootstrap, topic, count=1)
    command = Envelope.from_bytes(record.value)
    assert (command.type, command.version) == ("ratings.UpdateRatingRequested", 2)
    assert command.data["album_id"] == 71
    assert command.data["user_id"] == 4
    assert command.data["score"] == 4.5
    assert refused["code"] == "invalid_score"
    await member.close()


async def test_discover_shows_album_averages_and_friends_and_filters_by_them(forums_api: ForumsApi) -> None:
    await _album(forums_api, 72, "Blue")
    await _album(forums_api, 73, "Nevermind")
    await forums_api.publish(
        RatingChanged(album_id=72, rating_id=1, user_id=8, score=4.5, avg_rating=4.5, ratings_count=1),
        RatingChanged(album_id=73, rating_id=2, user_id=8, score=2.0, avg_rating=2.0, ratings_count=1),
        FriendAccepted(sender_id=30, receiver_id=31),
        source="reviews",
    )
    high = await forums_api.open_room(30, album_id=72)
    low = await forums_api.open_room(32, album_id=73)
    friend, _ = await forums_api.join(high, 30)
    stranger, _ = await forums_api.join(low, 32, replica=1)
    me = forums_api.user(31)

    async def discover(**filters: object) -> dict[int, dict[str, object]]:
        response = await forums_api.client.get("/api/games/discover", params=filters, headers=me)
        return {room["lobby_id"]: room for room in response.json() if room["lobby_id"] in {high, low}}

    everything = await eventually(
        discover,
        lambda rooms: len(rooms) == 2 and rooms[high]["avg_rating"] == 4.5 and rooms[high]["friends_in"],
    )
    assert everything[low]["avg_rating"] == 2.0
    assert everything[low]["friends_in"] is False
    assert everything[high]["members"] == 1
    assert list(await discover(min_rating=4)) == [high]
    assert list(await discover(max_rating=3)) == [low]
    assert list(await discover(friends_only="true")) == [high]
    bad = await forums_api.client.get("/api/games/discover", params={"min_rating": 9}, headers=me)
    assert bad.status_code == 422
    await friend.close()
    await stranger.close()


async def test_records_belong_to_their_owner(forums_api: ForumsApi) -> None:
    client = forums_api.client
    saved = await client.post(
        "/api/records/save", json={"moves": ["hello", "world"]}, headers=forums_api.user(1)
    )
    record_id = saved.json()["id"]

    mine = await client.get(f"/api/records/get/{record_id}", headers=forums_api.user(1))
    theirs = await client.get(f"/api/records/get/{record_id}", headers=forums_api.user(2))
    listing = await client.get("/api/records/get-all", headers=forums_api.user(1))
    others_listing = await client.get("/api/records/get-all", headers=forums_api.user(2))
    no_token = await client.get("/api/records/get-all")
    bad_body = await client.post(
        "/api/records/save", json={"moves": "not a list"}, headers=forums_api.user(1)
    )
    too_many = await client.post(
        "/api/records/save",
        json={"moves": ["m"] * (forums_api.settings.max_record_moves + 1)},
        headers=forums_api.user(1),
    )

    assert saved.status_code == 200
    assert saved.json()["message"] == "record saved"
    assert mine.json() == {"moves": ["hello", "world"]}
    assert (theirs.status_code, theirs.json()["error"]["code"]) == (404, "unknown_record")
    assert [r["id"] for r in listing.json()] == [record_id]
    assert listing.json()[0]["datetime"].endswith(("Z", "+00:00"))
    assert others_listing.json() == []
    assert no_token.status_code == 401
    assert bad_body.status_code == 422
    assert (too_many.status_code, too_many.json()["error"]["code"]) == (422, "record_too_long")
