"""The friends feed from users.events, and the catalog."""

import httpx
import pytest

from chorus_backbone import mongo
from chorus_devinfra.probes import eventually
from chorus_devinfra.serving import serving
from chorus_schemas.events.users import FriendAccepted, FriendRemoved, UserRegistered
from reviews.api.app import create_app
from reviews.handlers.catalog import starter_catalog
from reviews.settings import ReviewsSettings
from reviews.testing import ReviewsApi

pytestmark = pytest.mark.integration


async def test_the_feed_shows_a_friends_rating_once_friend_accepted_arrives(reviews_api: ReviewsApi) -> None:
    album = await reviews_api.add_album("Blue Lines", "Massive Attack")
    await reviews_api.publish(UserRegistered(user_id=21, username="ada"))
    await reviews_api.rate(21, album, 4.0, text="Unfinished Sympathy!")
    me = reviews_api.user(22)

    async def feed() -> list[dict[str, object]]:
        return list((await reviews_api.client.get("/api/reviews/feed", headers=me)).json())

    before = await feed()
    await reviews_api.publish(FriendAccepted(sender_id=22, receiver_id=21))
    after = await eventually(feed, lambda items: len(items) == 1)
    await reviews_api.publish(FriendRemoved(user_id=21, friend_id=22))
    await eventually(feed, lambda items: items == [])

    assert before == []
    assert after[0]["user"] == {"id": 21, "username": "ada"}
    assert after[0]["text"] == "Unfinished Sympathy!"
    assert (await reviews_api.client.get("/api/reviews/feed")).status_code == 401


async def test_the_catalog_is_searched_by_text_genre_and_year_and_sorted(reviews_api: ReviewsApi) -> None:
    ok = await reviews_api.add_album("OK Computer", "Radiohead", year=1997, genres=["rock"])
    kid_a = await reviews_api.add_album("Kid A", "Radiohead", year=2000, genres=["electronic", "rock"])
    await reviews_api.add_album("Dummy", "Portishead", year=1994, genres=["trip hop"])
    await reviews_api.rate(1, ok, 5.0)
    await reviews_api.rate(2, kid_a, 4.0)
    await reviews_api.rate(3, kid_a, 4.0)
    await reviews_api.album_once(kid_a, lambda a: a["ratings_count"] == 2)
    await reviews_api.album_once(ok, lambda a: a["ratings_count"] == 1)
    client = reviews_api.client

    def titles(response: object) -> list[str]:
        return [album["title"] for album in response.json()]  # type: ignore[attr-defined]

    by_artist = await client.get("/api/music/albums", params={"q": "RADIO", "sort": "title"})
    by_genre = await client.get("/api/music/albums", params={"genre": "Electronic"})
    by_year = await client.get("/api/music/albums", params={"year": 1994})
    by_rating = await client.get("/api/music/albums", params={"q": "radiohead", "sort": "rating"})
    by_count = await client.get("/api/music/albums", params={"q": "radiohead", "sort": "count"})
    by_date = await client.get("/api/music/albums", params={"sort": "date", "limit": 1})
    bad = await client.get("/api/music/albums", params={"sort": "mood", "limit": 500})

    assert titles(by_artist) == ["Kid A", "OK Computer"]
    assert titles(by_genre) == ["Kid A"]
    assert titles(by_year) == ["Dummy"]
    assert titles(by_rating) == ["OK Computer", "Kid A"]
    assert titles(by_count) == ["Kid A", "OK Computer"]
    assert titles(by_date) == ["Kid A"]
    assert by_rating.json()[1]["ratings_count"] == 2
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["error"]["fields"]} == {"query.sort", "query.limit"}


async def test_adding_albums_needs_a_token_and_refuses_duplicates_and_bad_bodies(
    reviews_api: ReviewsApi,
) -> None:
    await reviews_api.add_album("Illmatic", "Nas", year=1994)
    client = reviews_api.client

    duplicate = await client.post(
        "/api/music/albums", json={"title": "ILLMATIC", "artist": "nas"}, headers=reviews_api.user(1)
    )
    anonymous = await client.post("/api/music/albums", json={"title": "X", "artist": "Y"})
    no_title = await client.post("/api/music/albums", json={"artist": "Y"}, headers=reviews_api.user(1))
    bad_year = await client.post(
        "/api/music/albums", json={"title": "X", "artist": "Y", "year": "soon"}, headers=reviews_api.user(1)
    )

    assert (duplicate.status_code, duplicate.json()["error"]["code"]) == (409, "album_exists")
    assert anonymous.status_code == 401
    assert no_title.status_code == 422
    assert bad_year.status_code == 422


async def test_the_starter_catalog_loads_at_start_once_however_often_the_service_starts(
    reviews_settings: ReviewsSettings,
) -> None:
    settings = reviews_settings.model_copy(update={"load_starter_catalog": True})
    for _ in range(2):  # a restart imports nothing twice
        async with serving(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as client:
            found = await client.get("/api/music/albums", params={"q": "abbey road"})

    database = mongo.connect(settings.mongodb_url, app_name="catalog-check")
    try:
        stored = await database[settings.mongodb_database].albums.count_documents({})
    finally:
        await database.close()
    assert stored == len(starter_catalog()) >= 300
    assert [(a["title"], a["artist"], a["year"]) for a in found.json()] == [
        ("Abbey Road", "The Beatles", 1969)
    ]
