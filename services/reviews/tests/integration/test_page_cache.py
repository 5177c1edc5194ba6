"""Album pages and catalog searches from Redis: current after every change, 304 when unchanged."""

import httpx
import pytest
from prometheus_client import REGISTRY

from chorus_devinfra.process import free_port
from chorus_devinfra.serving import serving
from reviews.api.app import create_app
from reviews.settings import ReviewsSettings
from reviews.testing import ReviewsApi

pytestmark = pytest.mark.integration


def _lookups(result: str) -> float:
    return (
        REGISTRY.get_sample_value("chorus_cache_lookups_total", {"cache": "reviews", "result": result}) or 0.0
    )


async def test_an_album_page_is_served_from_the_cache_until_a_rating_changes_it(
    reviews_api: ReviewsApi,
) -> None:
    album = await reviews_api.add_album("Heaven or Las Vegas", "Cocteau Twins")
    client = reviews_api.client
    first = await client.get(f"/api/music/albums/{album}")
    hits_before = _lookups("hit")
    again = await client.get(f"/api/music/albums/{album}")
    unchanged = await client.get(
        f"/api/music/albums/{album}", headers={"If-None-Match": first.headers["etag"]}
    )

    await reviews_api.rate(1, album, 4.5)
    rated = await reviews_api.album_once(album, lambda a: a["ratings_count"] == 1)
    changed = await client.get(f"/api/music/albums/{album}", headers={"If-None-Match": first.headers["etag"]})

    assert (first.status_code, again.json()) == (200, first.json())
    assert _lookups("hit") - hits_before >= 2
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["etag"] == first.headers["etag"]
    assert rated["avg_rating"] == 4.5
    assert changed.status_code == 200
    assert changed.headers["etag"] != first.headers["etag"]


async def test_a_catalog_search_shows_a_new_album_and_a_new_average(reviews_api: ReviewsApi) -> None:
    client = reviews_api.client
    search = {"q": "slowdive", "sort": "rating"}
    souvlaki = await reviews_api.add_album("Souvlaki", "Slowdive")
    before = (await client.get("/api/music/albums", params=search)).json()
    pygmalion = await reviews_api.add_album("Pygmalion", "Slowdive")
    await reviews_api.rate(1, pygmalion, 5.0)
    await reviews_api.album_once(pygmalion, lambda a: a["ratings_count"] == 1)
    after = (await client.get("/api/music/albums", params=search)).json()

    assert [a["id"] for a in before] == [souvlaki]
    assert [(a["id"], a["avg_rating"]) for a in after] == [(pygmalion, 5.0), (souvlaki, 0.0)]


async def test_without_redis_reads_and_ratings_answer_from_the_database(
    reviews_settings: ReviewsSettings,
) -> None:
    nowhere = reviews_settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    async with serving(create_app(nowhere)) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
        api = ReviewsApi(client, nowhere)
        album = await api.add_album("Loveless", "My Bloody Valentine")
        rated = await api.rate(1, album, 4.0)
        page = await api.album_once(album, lambda a: a["ratings_count"] == 1)
        search = await client.get("/api/music/albums", params={"q": "loveless"})
        ready = await client.get("/readyz")

    assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
    assert rated.status_code == 200
    assert page["avg_rating"] == 4.0
    assert [a["id"] for a in search.json()] == [album]
