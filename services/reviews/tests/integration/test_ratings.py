"""Rating and reviewing over HTTP, with events read from the real ratings.events topic."""

import asyncio

import pytest

from chorus_devinfra.probes import eventually, read_topic
from chorus_schemas import Envelope, Topic, TopicNames
from reviews.testing import ReviewsApi

pytestmark = pytest.mark.integration


async def _rating_events(api: ReviewsApi, count: int, timeout: float = 20) -> list[Envelope]:
    topic = TopicNames(api.settings.topic_prefix).name(Topic.RATINGS_EVENTS)
    records = await read_topic(api.settings.kafka_bootstrap, topic, count=count, timeout=timeout)
    return sorted((Envelope.from_bytes(r.value) for r in records), key=lambda e: e.time)


async def test_ratings_move_the_album_average_count_and_histogram(reviews_api: ReviewsApi) -> None:
    album = await reviews_api.add_album("Kind of Blue", "Miles Davis", year=1959, genres=["Jazz"])

    first = await reviews_api.rate(1, album, 4.5, text="Modal bliss.", spoiler=False)
    second = await reviews_api.rate(2, album, 3.0)
    changed = await reviews_api.rate(2, album, 5.0)  # PUT again replaces
    removed = await reviews_api.client.delete(f"/api/reviews/albums/{album}", headers=reviews_api.user(1))
    body = await reviews_api.album_once(album, lambda a: a["ratings_count"] == 1 and a["avg_rating"] == 5.0)

    assert first.status_code == 200
    assert first.json()["score"] == 4.5
    assert first.json()["text"] == "Modal bliss."
    assert changed.json()["id"] == second.json()["id"]
    assert changed.json()["score"] == 5.0
    assert removed.json()["message"] == "rating removed"
    assert body["genres"] == ["jazz"]
    assert body["histogram"] == {f"{h / 2:.1f}": (1 if h == 10 else 0) for h in range(1, 11)}

    def folded_in(events: list[Envelope]) -> bool:
        aggregates = [e.data for e in events if e.type == "ratings.AlbumAggregateChanged"]
        newest = max(aggregates, key=lambda data: data["sequence"], default={})
        return (newest.get("avg_rating"), newest.get("ratings_count")) == (5.0, 1)

    everything = await eventually(lambda: _rating_events(reviews_api, count=1000, timeout=1), folded_in)
    events = [e for e in everything if e.type != "ratings.AlbumAggregateChanged"]
    assert [e.type for e in events] == [
        "ratings.AlbumAdded",
        "ratings.RatingChanged",
        "ratings.ReviewPosted",
        "ratings.RatingChanged",
        "ratings.RatingChanged",
        "ratings.RatingChanged",
    ]
    last = events[-1].data
    assert (last["user_id"], last["score"], last["previous_score"], last["version"]) == (1, None, 4.5, 2)
    assert all(e.version == 2 for e in events if e.type == "ratings.RatingChanged")
    assert all(e.key == str(album) for e in everything)


@pytest.mark.parametrize("score", [0, 0.25, 4.3, 5.5, -1, "four"])
async def test_scores_off_the_half_star_scale_are_refused(reviews_api: ReviewsApi, score: object) -> None:
    album = await reviews_api.add_album("Blue", "Joni Mitchell")

    response = await reviews_api.rate(1, album, score)  # type: ignore[arg-type]

    assert response.status_code == 422
    assert response.json()["error"]["code"] in {"invalid_score", "validation_failed"}


async def test_unknown_albums_overlong_reviews_and_missing_ratings_get_clear_errors(
    reviews_api: ReviewsApi,
) -> None:
    album = await reviews_api.add_album("Horses", "Patti Smith")
    client = reviews_api.client

    unknown = await reviews_api.rate(1, 999_999, 4.0)
    overlong = await reviews_api.rate(1, album, 4.0, text="x" * 10_001)
    nothing_to_delete = await client.delete(f"/api/reviews/albums/{album}", headers=reviews_api.user(1))
    await reviews_api.rate(2, album, 3.5, text="mine")
    someone_elses = await client.delete(f"/api/reviews/albums/{album}", headers=reviews_api.user(3))
    still_there = await client.get(f"/api/reviews/albums/{album}")
    no_token = await client.put(f"/api/reviews/albums/{album}", json={"score": 4.0})
    unknown_detail = await client.get("/api/music/albums/999999")
    bad_sort = await client.get(f"/api/reviews/albums/{album}", params={"sort": "random"})

    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_album")
    assert overlong.status_code == 422
    assert (nothing_to_delete.status_code, nothing_to_delete.json()["error"]["code"]) == (404, "no_rating")
    assert no_token.status_code == 401
    assert someone_elses.status_code == 404  # a caller can only ever reach their own rating
    assert [r["user"]["id"] for r in still_there.json()] == [2]
    assert unknown_detail.status_code == 404
    assert bad_sort.status_code == 422


async def test_an_albums_reviews_come_newest_or_most_liked_first_and_likes_count_once(
    reviews_api: ReviewsApi,
) -> None:
    album = await reviews_api.add_album("Marquee Moon", "Television")
    older = (await reviews_api.rate(1, album, 5.0, text="Guitars.")).json()["id"]
    newer = (await reviews_api.rate(2, album, 4.0, text="Verlaine!", spoiler=True)).json()["id"]
    client = reviews_api.client

    liked = await client.post(f"/api/reviews/{older}/like", headers=reviews_api.user(3))
    liked_twice = await client.post(f"/api/reviews/{older}/like", headers=reviews_api.user(3))
    own = await client.post(f"/api/reviews/{older}/like", headers=reviews_api.user(1))
    unknown = await client.post("/api/reviews/999999/like", headers=reviews_api.user(3))
    newest = await client.get(f"/api/reviews/albums/{album}")
    most_liked = await client.get(f"/api/reviews/albums/{album}", params={"sort": "most_liked"})
    by_user = await client.get("/api/reviews/users/2")
    unliked = await client.delete(f"/api/reviews/{older}/like", headers=reviews_api.user(3))

    assert liked.json() == {"message": "liked", "likes": 1}
    assert liked_twice.json() == {"message": "liked", "likes": 1}
    assert (own.status_code, own.json()["error"]["code"]) == (400, "own_review")
    assert unknown.status_code == 404
    assert [r["id"] for r in newest.json()] == [newer, older]
    assert [r["id"] for r in most_liked.json()] == [older, newer]
    assert newest.json()[0]["spoiler"] is True
    assert [r["id"] for r in by_user.json()] == [newer]
    assert unliked.json() == {"message": "unliked", "likes": 0}


async def test_two_hundred_concurrent_ratings_give_exact_aggregates(reviews_api: ReviewsApi) -> None:
    album = await reviews_api.add_album("Loveless", "My Bloody Valentine")
    scores = [((user % 10) + 1) / 2 for user in range(200)]  # 20 of each half-star

    responses = await asyncio.gather(
        *(reviews_api.rate(user + 1, album, score) for user, score in enumerate(scores))
    )
    detail = await reviews_api.album_once(album, lambda a: a["ratings_count"] >= 200)

    assert [r.status_code for r in responses] == [200] * 200
    assert detail["ratings_count"] == 200
    assert detail["avg_rating"] == round(sum(scores) / 200, 2)
    assert set(detail["histogram"].values()) == {20}
