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

pytestmark = pytest.mark.integration


async def test_an_empty_batch_is_no_transaction_while_a_projected_one_waits_for_the_pause(
    mongo_database: mongo.Database,
) -> None:
    projection = LiveProjection(mongo_database.client, mongo_database, FORUMS_PROJECTION)
    await projection.ensure_indexes()
    await projection.pointer.allocate()
    assert await projection.pointer.pause(Generation(0), timedelta(minutes=1))
    aggregate = AlbumAggregateChanged(album_id=4, ratings_count=1, avg_rating=4.0, histogram={}, sequence=1)

    assert await projection.apply_many([]) == 0
    with pytest.raises(ProjectionPaused):
        await projection.apply_many([(Envelope.wrap(aggregate, source="reviews"), aggregate)])

    await projection.pointer.resume()
    assert await projection.apply_many([(Envelope.wrap(aggregate, source="reviews"), aggregate)]) == 1
