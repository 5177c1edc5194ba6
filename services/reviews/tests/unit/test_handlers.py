"""The reviews handlers on in-memory ports: aggregates, events, commands applied once."""

import pytest

from chorus_backbone.errors import ChorusError
from chorus_backbone.memory import InMemoryInbox, InMemoryUnitOfWork
from chorus_schemas import Envelope
from chorus_schemas.events.ratings import (
    AlbumAdded,
    RatingChanged,
    ReviewLiked,
    ReviewPosted,
    UpdateRatingRequestedV2,
)
from reviews.domain.models import AlbumQuery, AlbumSort, ReviewSort
from reviews.handlers.catalog import AlbumFacts, Catalog
from reviews.handlers.ratings import RatingCommand, Ratings
from reviews.handlers.reading import Reading
from reviews.store.memory import InMemoryAlbumRepository, InMemoryPeopleDirectory, InMemoryRatingRepository

ADA, BOB = 1, 2


@pytest.fixture
def unit_of_work() -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork()


@pytest.fixture
def albums() -> InMemoryAlbumRepository:
    return InMemoryAlbumRepository()


@pytest.fixture
def store() -> InMemoryRatingRepository:
    return InMemoryRatingRepository()


@pytest.fixture
def catalog(albums: InMemoryAlbumRepository, unit_of_work: InMemoryUnitOfWork) -> Catalog:
    return Catalog(albums, unit_of_work)


@pytest.fixture
def ratings(
    albums: InMemoryAlbumRepository, store: InMemoryRatingRepository, unit_of_work: InMemoryUnitOfWork
) -> Ratings:
    return Ratings(albums, store, unit_of_work, InMemoryInbox())


@pytest.fixture
async def album(catalog: Catalog, unit_of_work: InMemoryUnitOfWork) -> int:
    added = await catalog.add_album(AlbumFacts("Blue Lines", "Massive Attack", 1991, ["Trip-Hop"]))
    unit_of_work.announced.clear()
    return added.id


async def test_adding_an_album_announces_it_and_a_second_copy_is_refused(
    catalog: Catalog, unit_of_work: InMemoryUnitOfWork
) -> None:
    album = await catalog.add_album(AlbumFacts(" Mezzanine ", "Massive Attack", 1998, ["Trip-Hop"]))

    with pytest.raises(ChorusError) as refused:
        await catalog.add_album(AlbumFacts("MEZZANINE", "massive attack", 1998, []))

    assert refused.value.code == "album_exists"
    assert unit_of_work.announced == [
        AlbumAdded(
            album_id=album.id, title="Mezzanine", artist="Massive Attack", year=1998, genres=["trip-hop"]
        )
    ]
    found = await catalog.search_albums(AlbumQuery("mezz", "trip-hop", None, AlbumSort.TITLE, 5, 0))
    assert [a.id for a in found] == [album.id]


async def test_rating_again_moves_the_aggregate_and_announces_each_change(
    catalog: Catalog, ratings: Ratings, unit_of_work: InMemoryUnitOfWork, album: int
) -> None:
    first = await ratings.rate(ADA, album, 4.0, None, spoiler=False)
    await ratings.rate(BOB, album, 3.0, None, spoiler=False)
    again = await ratings.rate(ADA, album, 5.0, "Still the best.", spoiler=False)

    aggregate = (await catalog.find_album(album)).aggregate
    assert again.id == first.id
    assert (aggregate.ratings_count, aggregate.avg_rating, aggregate.histogram) == (2, 4.0, {6: 1, 10: 1})
    changes = [e for e in unit_of_work.announced if isinstance(e, RatingChanged)]
    assert [(c.user_id, c.score, c.previous_score, c.avg_rating) for c in changes] == [
        (ADA, 4.0, None, 4.0),
        (BOB, 3.0, None, 3.5),
        (ADA, 5.0, 4.0, 4.0),
    ]
    [posted] = [e for e in unit_of_work.announced if isinstance(e, ReviewPosted)]
    assert posted.excerpt == "Still the best."


@pytest.mark.parametrize("score", [0.0, 0.3, 5.5, -1.0])
async def test_a_score_off_the_half_star_scale_changes_nothing(
    catalog: Catalog, ratings: Ratings, unit_of_work: InMemoryUnitOfWork, album: int, score: float
) -> None:
    with pytest.raises(ChorusError) as refused:
        await ratings.rate(ADA, album, score, None, spoiler=False)

    assert refused.value.code == "invalid_score"
    assert (await catalog.find_album(album)).aggregate.ratings_count == 0
    assert unit_of_work.announced == []


async def test_rating_an_unknown_album_is_refused(ratings: Ratings, unit_of_work: InMemoryUnitOfWork) -> None:
    with pytest.raises(ChorusError) as refused:
        await ratings.rate(ADA, 404, 3.0, None, spoiler=False)

    assert refused.value.code == "unknown_album"
    assert unit_of_work.announced == []


async def test_unrating_restores_the_aggregate(catalog: Catalog, ratings: Ratings, album: int) -> None:
    await ratings.rate(ADA, album, 2.5, None, spoiler=False)
    await ratings.unrate(ADA, album)

    assert (await catalog.find_album(album)).aggregate.ratings_count == 0
    with pytest.raises(ChorusError) as refused:
        await ratings.unrate(ADA, album)
    assert refused.value.code == "no_rating"


async def test_a_requested_rating_is_applied_once_however_often_it_is_delivered(
    catalog: Catalog, ratings: Ratings, unit_of_work: InMemoryUnitOfWork, album: int
) -> None:
    envelope = Envelope.wrap(
        UpdateRatingRequestedV2(album_id=album, user_id=ADA, score=4.5, requested_by=ADA), source="forums"
    )
    command = RatingCommand(rating_id=None, score=4.5, delete=False, album_id=album, user_id=ADA)

    assert await ratings.apply_requested(envelope, command)
    assert not await ratings.apply_requested(envelope, command)

    assert (await catalog.find_album(album)).aggregate.ratings_count == 1
    assert len(unit_of_work.announced) == 1


async def test_the_compatibility_command_updates_and_deletes_by_rating_id(
    catalog: Catalog, ratings: Ratings, album: int
) -> None:
    rating = await ratings.rate(ADA, album, 1.0, None, spoiler=False)

    await ratings.apply_command(RatingCommand(rating_id=rating.id, score=3.0, delete=False))
    assert (await catalog.find_album(album)).aggregate.avg_rating == 3.0
    await ratings.apply_command(RatingCommand(rating_id=rating.id, score=None, delete=True))
    assert (await catalog.find_album(album)).aggregate.ratings_count == 0
    with pytest.raises(ChorusError) as refused:
        await ratings.apply_command(RatingCommand(rating_id=rating.id, score=2.0, delete=False))
    assert refused.value.code == "unknown_rating"


async def test_likes_count_once_and_never_on_ones_own_review(
    ratings: Ratings, unit_of_work: InMemoryUnitOfWork, album: int
) -> None:
    review = await ratings.rate(ADA, album, 4.0, "Dark and lovely.", spoiler=False)
    unit_of_work.announced.clear()

    assert await ratings.set_like(BOB, review.id, liked=True) == 1
    assert await ratings.set_like(BOB, review.id, liked=True) == 1
    assert await ratings.set_like(BOB, review.id, liked=False) == 0
    with pytest.raises(ChorusError) as own:
        await ratings.set_like(ADA, review.id, liked=True)

    assert own.value.code == "own_review"
    assert [e.liked for e in unit_of_work.announced if isinstance(e, ReviewLiked)] == [True, False]


async def test_the_feed_shows_friends_ratings_with_their_names(
    albums: InMemoryAlbumRepository, store: InMemoryRatingRepository, ratings: Ratings, album: int
) -> None:
    await ratings.rate(BOB, album, 3.5, "Good.", spoiler=False)
    await ratings.rate(3, album, 1.0, None, spoiler=False)
    reading = Reading(albums, store, InMemoryPeopleDirectory({BOB: "bob"}, {ADA: [BOB]}))

    feed = await reading.friends_feed(ADA, limit=10, offset=0)
    reviews = await reading.album_reviews(album, sort=ReviewSort.NEWEST, limit=10, offset=0)

    assert [(view.rating.user_id, view.username) for view in feed] == [(BOB, "bob")]
    assert {view.rating.user_id for view in reviews} == {BOB, 3}
    assert await reading.friends_feed(BOB, limit=10, offset=0) == []
