"""A fetched batch reaches the projection only for the events the projection keeps: a batch of
rating changes alone (shown in rooms, not projected) costs no transaction, and so is not held
up by a replay's pause either."""

from datetime import timedelta

import pytest

from chorus_backbone import mongo
from chorus_backbone.projection import Generation, LiveProjection, ProjectionPaused
from chorus_schemas import Envelope
from chorus_schemas.events.ratings import AlbumAggregateChanged
from forums.projection import FORUMS_PROJECTION
from forums.store.projections import MongoForumProjections

pytestmark = pytest.mark.integration


@pytest.fixture
async def projection(mongo_database: mongo.Database) -> LiveProjection[MongoForumProjections]:
    """The forums projection on the test database, its first generation allocated."""
    live = LiveProjection(mongo_database.client, mongo_database, FORUMS_PROJECTION)
    await live.ensure_indexes()
    await live.pointer.allocate()
    return live


async def test_an_empty_batch_is_no_transaction_while_a_projected_one_waits_for_the_pause(
    projection: LiveProjection[MongoForumProjections],
) -> None:
    assert await projection.pointer.pause(Generation(0), timedelta(minutes=1))
    aggregate = AlbumAggregateChanged(album_id=4, ratings_count=1, avg_rating=4.0, histogram={}, sequence=1)

    assert await projection.apply_many([]) == 0
    with pytest.raises(ProjectionPaused):
        await projection.apply_many([(Envelope.wrap(aggregate, source="reviews"), aggregate)])

    await projection.pointer.resume()
    assert await projection.apply_many([(Envelope.wrap(aggregate, source="reviews"), aggregate)]) == 1


async def test_an_album_keeps_its_newest_average_whatever_order_the_averages_come_in(
    projection: LiveProjection[MongoForumProjections],
) -> None:
    def averaged(sequence: int, avg_rating: float) -> tuple[Envelope, AlbumAggregateChanged]:
        event = AlbumAggregateChanged(
            album_id=9, ratings_count=sequence, avg_rating=avg_rating, sequence=sequence
        )
        return Envelope.wrap(event, source="reviews"), event

    async def kept() -> dict[str, object]:
        album = await (await projection.current()).album(9)
        assert album is not None
        return {name: album.get(name) for name in ("avg_rating", "ratings_count", "sequence")}

    assert await projection.apply_many([averaged(2, 4.0)]) == 1  # an album not seen before
    assert await kept() == {"avg_rating": 4.0, "ratings_count": 2, "sequence": 2}
    await projection.apply_many([averaged(1, 2.5)])  # older: dropped
    assert await kept() == {"avg_rating": 4.0, "ratings_count": 2, "sequence": 2}
    await projection.apply_many([averaged(3, 3.0), averaged(2, 1.0)])  # newer, then older in one batch
    assert await kept() == {"avg_rating": 3.0, "ratings_count": 3, "sequence": 3}
