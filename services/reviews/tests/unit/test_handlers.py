"""The reviews handlers on in-memory ports: ratings and what they announce, folded aggregates."""

from collections.abc import Collection

import pytest

from chorus_backbone.errors import ChorusError
from chorus_backbone.memory import InMemoryInbox, InMemoryUnitOfWork
from chorus_schemas import Envelope
from chorus_schemas.events.ratings import (
    AlbumAdded,
    AlbumAggregateChanged,
    RatingChangedV2,
    ReviewLiked,
    ReviewPosted,
    UpdateRatingRequestedV2,
)
from reviews.domain.models import AlbumQuery, AlbumSort, ReviewSort
from reviews.handlers.aggregates import AlbumAggregates
from reviews.handlers.catalog import AlbumFacts, Catalog
from reviews.handlers.ratings import RatingCommand, Ratings
from reviews.handlers.reading import Reading
from reviews.store.memory import InMemoryAlbumRepository, InMemoryPeopleDirectory, InMemoryRatingRepository

ADA, BOB = 1, 2


class Pages:
    def __init__(self) -> None:
        self.stale: list[set[int]] = []

    async def albums_changed(self, album_ids: Collection[int]) -> None:
        self.stale.append(set(album_ids))


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
def pages() -> Pages:
    return Pages()


@pytest.fixture
def catalog(albums: InMemoryAlbumRepository, unit_of_work: InMemoryUnitOfWork, pages: Pages) -> Catalog:
    return Catalog(albums, unit_of_work, pages)


@pytest.fixture
def ratings(
    albums: InMemoryAlbumRepository, store: InMemoryRatingRepository, unit_of_work: InMemoryUnitOfWork
) -> Ratings:
    return Ratings(albums, store, unit_of_work, InMemoryInbox())


@pytest.fixture
def aggregates(albums: InMemoryAlbumRepository, pages: Pages) -> AlbumAggregates:
    return AlbumAggregates(albums, InMemoryUnitOfWork(), InMemoryInbox(), pages)


@pytest.fixture
async def album(catalog: Catalog, unit_of_work: InMemoryUnitOfWork) -> int:
    added = await catalog.add_album(AlbumFacts("Blue Lines", "Massive Attack", 1991, ["Trip-Hop"]))
    unit_of_work.announced.clear()
    return added.id


def _changes(unit_of_work: InMemoryUnitOfWork) -> list[tuple[Envelope, RatingChangedV2]]:
    return [
        (Envelope.wrap(event, source="reviews"), event)
        for event in unit_of_work.announced
        if isinstance(event, RatingChangedV2)
    ]


async def test_adding_an_album_announces_it_and_a_second_copy_is_refused(
    catalog: Catalog, unit_of_work: InMemoryUnitOfWork, pages: Pages
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
    assert pages.stale == [{album.id}]
    found = await catalog.search_albums(AlbumQuery("mezz", "trip-hop", None, AlbumSort.TITLE, 5, 0))
    assert [a.id for a in found] == [album.id]


async def test_each_rating_change_is_announced_with_its_previous_score_and_version(
    ratings: Ratings, unit_of_work: InMemoryUnitOfWork, album: int
) -> None:
    first = await ratings.rate(ADA, album, 4.0, None, spoiler=False)
    await ratings.rate(BOB, album, 3.0, None, spoiler=False)
    again = await ratings.rate(ADA, album, 5.0, "Still the best.", spoiler=False)
    await ratings.unrate(BOB, album)

    assert again.id == first.id
    changes = [e for e in unit_of_work.announced if isinstance(e, RatingChangedV2)]
    assert [(c.user_id, c.score, c.previous_score, c.version) for c in changes] == [
        (ADA, 4.0, None, 1),
        (BOB, 3.0, None, 1),
        (ADA, 5.0, 4.0, 2),
        (BOB, None, 3.0, 2),
    ]
    [posted] = [e for e in unit_of_work.announced if isinstance(e, ReviewPosted)]
    assert posted.excerpt == "Still the best."


async def test_folding_the_changes_gives_the_exact_aggregate_and_announces_it(
    catalog: Catalog,
    ratings: Ratings,
    aggregates: AlbumAggregates,
    unit_of_work: InMemoryUnitOfWork,
    album: int,
) -> None:
    await ratings.rate(ADA, album, 4.0, None, spoiler=False)
    await ratings.rate(BOB, album, 3.0, None, spoiler=False)
    await ratings.rate(ADA, album, 5.0, None, spoiler=False)
    await ratings.rate(3, album, 1.0, None, spoiler=False)
    await ratings.unrate(3, album)

    await aggregates.fold(_changes(unit_of_work))

    aggregate = (await catalog.find_album(album)).aggregate
    assert (aggregate.ratings_count, aggregate.avg_rating, aggregate.histogram) == (2, 4.0, {6: 1, 10: 1})
    assert aggregates.unit_of_work.announced == [  # type: ignore[attr-defined]
        AlbumAggregateChanged(
            album_id=album, ratings_count=2, avg_rating=4.0, histogram={"3.0": 1, "5.0": 1}, sequence=1
        )
    ]


async def test_a_change_delivered_again_is_not_counted_again_in_any_order(
    catalog: Catalog,
    ratings: Ratings,
    aggregates: AlbumAggregates,
    unit_of_work: InMemoryUnitOfWork,
    album: int,
) -> None:
    await ratings.rate(ADA, album, 2.0, None, spoiler=False)
    await ratings.rate(ADA, album, 4.5, None, spoiler=False)
    await ratings.rate(BOB, album, 3.5, None, spoiler=False)
    first, second, third = _changes(unit_of_work)

    await aggregates.fold([third, second])
    await aggregates.fold([second, second, first, third])

    aggregate = (await catalog.find_album(album)).aggregate
    assert (aggregate.ratings_count, aggregate.half_star_sum, aggregate.sequence) == (2, 16, 2)


@pytest.mark.parametrize("score", [0.0, 0.3, 5.5, -1.0])
async def test_a_score_off_the_half_star_scale_changes_nothing(
    ratings: Ratings, unit_of_work: InMemoryUnitOfWork, album: int, score: float
) -> None:
    with pytest.raises(ChorusError) as refused:
        await ratings.rate(ADA, album, score, None, spoiler=False)

    assert refused.value.code == "invalid_score"
    assert unit_of_work.announced == []


async def test_rating_an_unknown_album_is_refused(ratings: Ratings, unit_of_work: InMemoryUnitOfWork) -> None:
    with pytest.raises(ChorusError) as refused:
        await ratings.rate(ADA, 404, 3.0, None, spoiler=False)

    assert refused.value.code == "unknown_album"
    assert unit_of_work.announced == []


async def test_unrating_what_was_never_rated_is_refused(ratings: Ratings, album: int) -> None:
    await ratings.rate(ADA, album, 2.5, None, spoiler=False)
    await ratings.unrate(ADA, album)

    with pytest.raises(ChorusError) as refused:
        await ratings.unrate(ADA, album)
    assert refused.value.code == "no_rating"


async def test_a_requested_rating_is_applied_once_however_often_it_is_delivered(
    ratings: Ratings, store: InMemoryRatingRepository, unit_of_work: InMemoryUnitOfWork, album: int
) -> None:
    envelope = Envelope.wrap(
        UpdateRatingRequestedV2(album_id=album, user_id=ADA, score=4.5, requested_by=ADA), source="forums"
    )
    command = RatingCommand(rating_id=None, score=4.5, delete=False, album_id=album, user_id=ADA)

    assert await ratings.apply_requested(envelope, command)
    assert not await ratings.apply_requested(envelope, command)

    assert len(store.ratings) == 1
    assert len(unit_of_work.announced) == 1


async def test_the_compatibility_command_updates_and_deletes_by_rating_id_keeping_the_review(
    ratings: Ratings, store: InMemoryRatingRepository, unit_of_work: InMemoryUnitOfWork, album: int
) -> None:
    rating = await ratings.rate(ADA, album, 1.0, "Not for me.", spoiler=False)

    await ratings.apply_command(RatingCommand(rating_id=rating.id, score=3.0, delete=False))
    assert (store.ratings[rating.id].half_stars, store.ratings[rating.id].text) == (6, "Not for me.")
    await ratings.apply_command(RatingCommand(rating_id=rating.id, score=None, delete=True))
    assert store.ratings == {}
    with pytest.raises(ChorusError) as refused:
        await ratings.apply_command(RatingCommand(rating_id=rating.id, score=2.0, delete=False))
    assert refused.value.code == "unknown_rating"
    assert [e.score for e in unit_of_work.announced if isinstance(e, RatingChangedV2)] == [1.0, 3.0, None]


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
