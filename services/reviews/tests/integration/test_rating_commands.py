"""The compatibility PATCH and its replacement, the UpdateRatingRequested command."""

import pytest
from aiokafka import AIOKafkaProducer

from chorus_devinfra.probes import committed_offsets, eventually, read_topic
from chorus_schemas import Envelope, Topic, TopicNames
from chorus_schemas.events.ratings import UpdateRatingRequested, UpdateRatingRequestedV2
from reviews.testing import ReviewsApi

pytestmark = pytest.mark.integration


async def _rating_changes(api: ReviewsApi, count: int) -> list[dict[str, object]]:
    """The RatingChanged events on the topic, once there are ``count`` of them (in the order sent)."""
    topic = TopicNames(api.settings.topic_prefix).name(Topic.RATINGS_EVENTS)

    async def changes() -> list[dict[str, object]]:
        records = await read_topic(api.settings.kafka_bootstrap, topic, count=1000, timeout=1)
        envelopes = sorted((Envelope.from_bytes(r.value) for r in records), key=lambda e: e.time)
        return [e.data for e in envelopes if e.type == "ratings.RatingChanged"]

    return await eventually(changes, lambda found: len(found) >= count)


async def _rated(api: ReviewsApi, title: str, score: float = 3.0) -> tuple[int, int]:
    album = await api.add_album(title)
    response = await api.rate(7, album, score)
    return album, int(response.json()["id"])


async def test_the_patch_and_the_event_path_end_in_identical_rating_changed_events(
    reviews_api: ReviewsApi,
) -> None:
    by_patch_album, by_patch = await _rated(reviews_api, "Remain in Light")
    by_event_album, by_event = await _rated(reviews_api, "Fear of Music")

    patched = await reviews_api.client.patch(
        "/api/users/ratings/upd", params={"id": by_patch, "score": 4.5}, headers=reviews_api.service()
    )
    await reviews_api.publish(UpdateRatingRequested(rating_id=by_event, score=4.5), source="forums")
    await reviews_api.album_once(by_event_album, lambda a: a["avg_rating"] == 4.5)

    assert patched.json() == {"message": "rating updated", "id": by_patch}
    changes = await _rating_changes(reviews_api, count=4)
    from_patch = next(c for c in changes if c["rating_id"] == by_patch and c["score"] == 4.5)
    from_event = next(c for c in changes if c["rating_id"] == by_event and c["score"] == 4.5)
    ignore = {"album_id", "rating_id"}
    assert {k: v for k, v in from_patch.items() if k not in ignore} == {
        k: v for k, v in from_event.items() if k not in ignore
    }
    assert from_patch["previous_score"] == 3.0
    await reviews_api.album_once(by_patch_album, lambda a: a["avg_rating"] == 4.5)


async def test_the_same_command_delivered_twice_changes_nothing_the_second_time(
    reviews_api: ReviewsApi,
) -> None:
    album, rating = await _rated(reviews_api, "Closer", score=2.0)
    command = UpdateRatingRequested(rating_id=rating, score=1.0)
    envelope = Envelope.wrap(command, source="forums")

    producer = AIOKafkaProducer(bootstrap_servers=reviews_api.settings.kafka_bootstrap)
    await producer.start()
    try:
        topic = TopicNames(reviews_api.settings.topic_prefix).name(Topic.RATINGS_COMMANDS)
        for _ in range(2):  # the same envelope, event id and all: a redelivery
            await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.key.encode())
    finally:
        await producer.stop()
    # Both deliveries handled and committed: a second application would have shown by now.
    group = f"{reviews_api.settings.consumer_group_prefix}reviews.rating-commands"
    await eventually(
        lambda: committed_offsets(reviews_api.settings.kafka_bootstrap, group, topic), lambda n: n == 2
    )

    changes = await _rating_changes(reviews_api, count=2)
    assert [c["score"] for c in changes] == [2.0, 1.0]
    await reviews_api.album_once(album, lambda a: a["avg_rating"] == 1.0 and a["ratings_count"] == 1)


async def test_the_patch_takes_service_credentials_only(reviews_api: ReviewsApi) -> None:
    _, rating = await _rated(reviews_api, "Unknown Pleasures")
    client = reviews_api.client

    as_user = await client.patch(
        "/api/users/ratings/upd", params={"id": rating, "score": 1.0}, headers=reviews_api.user(7)
    )
    anonymous = await client.patch("/api/users/ratings/upd", params={"id": rating, "score": 1.0})
    forged = await client.patch(
        "/api/users/ratings/upd", params={"id": rating, "score": 1.0}, headers={"auth_token": "forged"}
    )

    assert (as_user.status_code, as_user.json()["error"]["code"]) == (403, "service_credentials_required")
    assert anonymous.status_code == 401
    assert forged.status_code == 401


async def test_the_patch_sets_from_the_body_deletes_and_refuses_bad_input(reviews_api: ReviewsApi) -> None:
    album, rating = await _rated(reviews_api, "Pink Flag")
    client, service = reviews_api.client, reviews_api.service()

    from_body = await client.patch(
        "/api/users/ratings/upd", params={"id": rating}, json={"score": 2.5}, headers=service
    )
    bad_score = await client.patch(
        "/api/users/ratings/upd", params={"id": rating, "score": 7}, headers=service
    )
    no_score = await client.patch("/api/users/ratings/upd", params={"id": rating}, headers=service)
    deleted = await client.patch(
        "/api/users/ratings/upd", params={"id": rating, "del": "true"}, headers=service
    )
    unknown = await client.patch(
        "/api/users/ratings/upd", params={"id": rating, "del": "true"}, headers=service
    )

    assert from_body.json()["message"] == "rating updated"
    assert (bad_score.status_code, bad_score.json()["error"]["fields"][0]["field"]) == (422, "query.score")
    assert no_score.status_code == 422
    assert deleted.json() == {"message": "rating deleted", "id": rating}
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_rating")
    await reviews_api.album_once(album, lambda a: a["ratings_count"] == 0)


async def test_a_command_for_an_unknown_rating_is_dead_lettered_and_later_ones_apply(
    reviews_api: ReviewsApi,
) -> None:
    album, rating = await _rated(reviews_api, "Zen Arcade", score=3.0)

    await reviews_api.publish(
        UpdateRatingRequested(rating_id=424242, score=1.0),
        UpdateRatingRequested(rating_id=rating, score=5.0),
        source="forums",
    )

    await reviews_api.album_once(album, lambda a: a["avg_rating"] == 5.0)
    dlq = TopicNames(reviews_api.settings.topic_prefix).dlq(Topic.RATINGS_COMMANDS)
    [dead] = await read_topic(reviews_api.settings.kafka_bootstrap, dlq, count=1)
    assert "no such rating" in dict(dead.headers)["dlq-error"].decode()


async def test_version_two_of_the_command_names_a_rating_by_album_and_user_and_may_create_it(
    reviews_api: ReviewsApi,
) -> None:
    album = await reviews_api.add_album("Surfer Rosa", "Pixies")
    await reviews_api.rate(8, album, 2.0, text="Where is my mind")

    await reviews_api.publish(
        UpdateRatingRequestedV2(album_id=album, user_id=9, score=4.0),  # no rating yet: created
        UpdateRatingRequestedV2(album_id=album, user_id=8, score=5.0),  # existing: score set
        source="forums",
    )

    detail = await reviews_api.album_once(album, lambda a: a["ratings_count"] == 2 and a["avg_rating"] == 4.5)
    reviews = (await reviews_api.client.get(f"/api/reviews/albums/{album}")).json()
    assert detail["histogram"]["4.0"] == detail["histogram"]["5.0"] == 1
    assert {(r["user"]["id"], r["score"], r["text"]) for r in reviews} == {
        (9, 4.0, None),
        (8, 5.0, "Where is my mind"),
    }
