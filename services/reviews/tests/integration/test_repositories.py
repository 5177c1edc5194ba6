"""The repositories' contract, held by the MongoDB stores and the in-memory ones alike."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.errors import DuplicateKeyError

from chorus_backbone import mongo
from reviews.domain.aggregates import Delta
from reviews.domain.models import AlbumQuery, AlbumSort, RatingChange, ReviewSort, new_album
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


async def test_folding_deltas_keeps_the_aggregate_and_histogram_exact(stores: Stores) -> None:
    albums = stores.albums
    album_id = await albums.next_id()
    await albums.add(new_album(album_id, "Dummy", "Portishead", 1994, [], NOW))
    first, second = Delta(), Delta()
    first.add(None, 8)
    first.add(None, 5)
    second.add(8, 10)

    await albums.fold({album_id: first}, session=None)
    folded = await albums.fold({album_id: second, album_id + 99: first}, session=None)

    aggregate = folded[album_id]
    assert list(folded) == [album_id]  # an unknown album is skipped
    assert (aggregate.ratings_count, aggregate.half_star_sum, aggregate.avg_rating) == (2, 15, 3.75)
    assert (aggregate.histogram, aggregate.sequence) == ({5: 1, 10: 1}, 2)
    stored = await albums.get(album_id)
    assert stored is not None
    assert stored.aggregate == aggregate
    assert await albums.exists(album_id)
    assert not await albums.exists(album_id + 99)


def _change(
    user: int, album: int, half_stars: int | None, fresh_id: int, text: str | None = None
) -> RatingChange:
    return RatingChange(user, album, half_stars, fresh_id, NOW, text=text)


async def test_rating_changes_apply_in_order_and_say_each_rating_before_and_after(stores: Stores) -> None:
    ratings = stores.ratings
    ids = [await ratings.next_id() for _ in range(4)]
    assert ids == sorted(set(ids))

    moved = await ratings.apply(
        [
            _change(1, 7, 8, ids[0], text="Great."),
            _change(2, 7, 4, ids[1]),
            _change(1, 7, 10, ids[2], text="Greater."),  # the same rating again, in the same write
            _change(2, 7, None, ids[3]),  # removed
        ],
        session=None,
    )

    assert [(b and b.half_stars, a and a.half_stars) for b, a in moved] == [
        (None, 8),
        (None, 4),
        (8, 10),
        (4, None),
    ]
    assert [(a.id, a.version, a.text) for _, a in moved if a][-1] == (ids[0], 2, "Greater.")
    assert await ratings.of_user_for_album(2, 7, session=None) is None
    assert await ratings.like(ids[0], 3, session=None)
    [(before, after)] = await ratings.apply([_change(1, 7, None, 0)], session=None)
    assert (before and before.likes, after) == (1, None)
    again = await ratings.apply([_change(1, 7, 6, ids[3])], session=None)
    assert again[0][1] is not None
    assert (again[0][1].id, again[0][1].likes, again[0][1].version) == (ids[3], 0, 1)


async def test_a_rating_changed_alone_keeps_its_review_and_likes_and_reads_back_as_answered(
    stores: Stores,
) -> None:
    ratings = stores.ratings
    rating_id = await ratings.next_id()
    await ratings.apply([_change(1, 7, 8, rating_id, text="Great.")], session=None)
    assert await ratings.like(rating_id, 2, session=None)

    later = NOW + timedelta(minutes=1)
    change = RatingChange(1, 7, 5, await ratings.next_id(), later, keep_review=True)
    [(before, after)] = await ratings.apply([change], session=None)

    assert before is not None
    assert after is not None
    assert (after.id, after.half_stars, after.text, after.likes, after.version) == (
        rating_id,
        5,
        "Great.",
        1,
        2,
    )
    assert (after.created_at, after.updated_at) == (before.created_at, later)
    assert await ratings.get(rating_id) == after


async def test_ratings_are_found_by_album_and_user_and_likes_count_once(stores: Stores) -> None:
    ratings = stores.ratings
    first_id, second_id = await ratings.next_id(), await ratings.next_id()
    [(_, first)] = await ratings.apply([_change(1, 7, 8, first_id, text="Great.")], session=None)
    later = NOW + timedelta(minutes=1)
    [(_, second)] = await ratings.apply([RatingChange(2, 7, 4, second_id, later)], session=None)
    assert first is not None
    assert second is not None

    assert await ratings.of_user_for_album(1, 7, session=None) == first
    assert [r.id for r in await ratings.for_album(7, sort=ReviewSort.NEWEST, limit=5, offset=0)] == [
        second.id,
        first.id,
    ]
    assert await ratings.like(first.id, 2, session=None)
    assert not await ratings.like(first.id, 2, session=None)
    most_liked = await ratings.for_album(7, sort=ReviewSort.MOST_LIKED, limit=1, offset=0)
    assert [r.id for r in most_liked] == [first.id]
    assert await ratings.unlike(first.id, 2, session=None)
    assert not await ratings.unlike(first.id, 2, session=None)
    assert [r.id for r in await ratings.by_users([2], limit=5, offset=0)] == [second.id]
    assert await ratings.get(404) is None


async def test_ratings_stored_before_the_pair_key_are_found_and_changed_after_a_start(
    mongo_database: mongo.Database,
) -> None:
    stored_earlier = {
        "_id": 41,
        "album_id": 7,
        "user_id": 1,
        "half_stars": 6,
        "text": None,
        "spoiler": False,
        "likes": 0,
        "created_at": NOW,
        "updated_at": NOW,
        "version": 3,
    }
    await mongo_database["ratings"].insert_one(stored_earlier)
    ratings = MongoRatingRepository(mongo_database)
    await ratings.ensure_indexes()
    await ratings.ensure_indexes()  # a second start finds the work done

    [(before, after)] = await ratings.apply([_change(1, 7, 9, 42)], session=None)

    assert before is not None
    assert after is not None
    assert (before.id, before.half_stars, after.id, after.half_stars, after.version) == (41, 6, 41, 9, 4)
    assert await mongo_database["ratings"].count_documents({"album_id": 7, "user_id": 1}) == 1


async def test_a_start_replaces_the_earlier_pair_indexes_with_one_unique_index(
    mongo_database: mongo.Database,
) -> None:
    collection = mongo_database["ratings"]
    # The layout of earlier versions: a plain pair index beside a unique (album, user) index.
    await collection.create_index([("album_id", 1), ("user_id", 1)], unique=True, name="one_per_user_album")
    await collection.create_index("pair", name="by_pair")
    ratings = MongoRatingRepository(mongo_database)
    await ratings.apply([_change(1, 7, 9, 42)], session=None)

    await ratings.ensure_indexes()
    await MongoRatingRepository(mongo_database).ensure_indexes()  # another replica, or a restart

    indexes = {index["name"]: index async for index in await collection.list_indexes()}
    assert set(indexes) == {"_id_", "album_newest", "album_most_liked", "user_newest", "one_per_pair"}
    assert indexes["one_per_pair"]["unique"] is True
    second_of_the_pair = {"_id": 43, "pair": "7:1", "album_id": 7, "user_id": 1, "half_stars": 2}
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one(second_of_the_pair)
    assert (await ratings.of_user_for_album(1, 7, session=None)).half_stars == 9  # type: ignore[union-attr]
