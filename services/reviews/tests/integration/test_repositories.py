"""The repositories' contract, held by the MongoDB stores and the in-memory ones alike."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.errors import DuplicateKeyError

from chorus_backbone import mongo
from reviews.domain.models import AlbumQuery, AlbumSort, Rating, ReviewSort, new_album
from reviews.store.albums import MongoAlbumRepository
from reviews.store.memory import InMemoryAlbumRepository, InMemoryRatingRepository
from reviews.store.ports import AlbumRepository, RatingRepository
from reviews.store.ratings import MongoRatingRepository

pytestmark = pytest.mark.integration

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@dataclass
class Stores:
    albums: AlbumRepository
    ratings: RatingRepository


@pytest.fixture(params=["mongo", "memory"])
async def stores(request: pytest.FixtureRequest, mongo_database: mongo.Database) -> Stores:
    if request.param == "memory":
        return Stores(InMemoryAlbumRepository(), InMemoryRatingRepository())
    albums = MongoAlbumRepository(mongo_database)
    ratings = MongoRatingRepository(mongo_database)
    await albums.ensure_indexes()
    await ratings.ensure_indexes()
    return Stores(albums, ratings)


async def test_albums_are_unique_per_artist_and_title_and_searched_in_order(stores: Stores) -> None:
    albums = stores.albums
    for title, year in (("Mezzanine", 1998), ("Blue Lines", 1991), ("Protection", 1994)):
        await albums.add(new_album(await albums.next_id(), title, "Massive Attack", year, ["Trip-Hop"], NOW))
    with pytest.raises(DuplicateKeyError):
        await albums.add(new_album(await albums.next_id(), "MEZZANINE", "massive attack", None, [], NOW))

    by_title = await albums.search(AlbumQuery("MASSIVE", None, None, AlbumSort.TITLE, 5, 0))
    newest = await albums.search(AlbumQuery(None, "TRIP-HOP", None, AlbumSort.DATE, 2, 0))
    assert [a.title for a in by_title] == ["Blue Lines", "Mezzanine", "Protection"]
    assert [a.year for a in newest] == [1998, 1994]
    assert ("massive attack", "protection") in await albums.known_keys()


async def test_rating_changes_keep_the_aggregate_and_histogram_exact(stores: Stores) -> None:
    albums = stores.albums
    album_id = await albums.next_id()
    await albums.add(new_album(album_id, "Dummy", "Portishead", 1994, [], NOW))

    await albums.apply_rating_change(album_id, None, 8, session=None)
    await albums.apply_rating_change(album_id, None, 5, session=None)
    aggregate = await albums.apply_rating_change(album_id, 8, 10, session=None)

    assert aggregate is not None
    assert (aggregate.ratings_count, aggregate.half_star_sum, aggregate.avg_rating) == (2, 15, 3.75)
    assert aggregate.histogram == {5: 1, 10: 1}
    stored = await albums.get(album_id)
    assert stored is not None
    assert stored.aggregate == aggregate
    assert await albums.apply_rating_change(album_id + 99, None, 4, session=None) is None


async def test_ratings_are_found_by_album_and_user_and_likes_count_once(stores: Stores) -> None:
    ratings = stores.ratings
    first = Rating(await ratings.next_id(), 7, 1, 8, "Great.", False, 0, NOW, NOW)
    later = NOW + timedelta(minutes=1)
    second = Rating(await ratings.next_id(), 7, 2, 4, None, False, 0, later, later)
    await ratings.save(first, session=None)
    await ratings.save(second, session=None)

    assert await ratings.of_user_for_album(1, 7, session=None) == first
    assert [r.id for r in await ratings.for_album(7, sort=ReviewSort.NEWEST, limit=5, offset=0)] == [
        second.id,
        first.id,
    ]
    assert await ratings.like(first.id, 2, session=None)
    assert not await ratings.like(first.id, 2, session=None)
    assert [r.id for r in await ratings.for_album(7, sort=ReviewSort.MOST_LIKED, limit=1, offset=0)] == [
        first.id
    ]
    assert await ratings.unlike(first.id, 2, session=None)
    assert not await ratings.unlike(first.id, 2, session=None)
    await ratings.set_half_stars(second.id, 9, session=None)
    assert [(r.id, r.half_stars) for r in await ratings.by_users([2], limit=5, offset=0)] == [(second.id, 9)]
    await ratings.delete(first.id, session=None)
    assert await ratings.get(first.id) is None
