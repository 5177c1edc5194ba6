"""The inbox against the real MongoDB-wire server: each event applied once, however it was claimed."""

from datetime import UTC, datetime

import pytest
from pymongo.errors import DuplicateKeyError

from chorus_backbone import mongo
from chorus_backbone.inbox import ProcessedEvents
from chorus_schemas import Envelope
from chorus_schemas.events.users import UserRegistered

pytestmark = pytest.mark.integration


def _envelopes(count: int) -> list[Envelope]:
    return [
        Envelope.wrap(UserRegistered(user_id=index + 1, username=f"user-{index}"), source="users")
        for index in range(count)
    ]


@pytest.fixture
async def inbox(mongo_client: mongo.MongoClient, database: mongo.Database) -> ProcessedEvents:
    processed = ProcessedEvents(mongo_client, database, consumer="counts")
    await processed.ensure_indexes()
    return processed


async def test_a_batch_is_claimed_in_one_document_and_each_event_once_after(
    inbox: ProcessedEvents, database: mongo.Database
) -> None:
    first, second, third = _envelopes(3)

    assert await inbox.claim_many([first, second, first], None) == [first, second]
    assert await database["processed_events"].count_documents({}) == 1
    assert await inbox.claim_many([second, third], None) == [third]
    assert not await inbox.claim(second, None)  # claimed in a batch, seen by a single claim
    assert await inbox.claim(_envelopes(1)[0], None)
    assert await inbox.seen(second)
    assert await inbox.claim_many([first, second, third], None) == []


async def test_claims_stored_one_event_per_document_before_are_still_recognised(
    inbox: ProcessedEvents, database: mongo.Database
) -> None:
    earlier, later = _envelopes(2)
    await database["processed_events"].insert_one(
        {
            "_id": f"counts:{earlier.id}",
            "consumer": "counts",
            "type": earlier.type,
            "processed_at": datetime.now(UTC),
        }
    )

    assert await inbox.claim_many([earlier, later], None) == [later]
    assert not await inbox.claim(earlier, None)
    assert await inbox.seen(earlier)


async def test_one_event_cannot_be_claimed_in_two_documents(
    inbox: ProcessedEvents, database: mongo.Database
) -> None:
    [event] = _envelopes(1)
    await inbox.claim_many([event], None)

    with pytest.raises(DuplicateKeyError):  # what a concurrent claim of the same event meets
        await database["processed_events"].insert_one(
            {"_id": "another-claim", "consumer": "counts", "markers": [f"counts:{event.id}"]}
        )


async def test_consumers_claim_the_same_event_each_for_themselves(
    mongo_client: mongo.MongoClient, database: mongo.Database, inbox: ProcessedEvents
) -> None:
    [event] = _envelopes(1)
    other = ProcessedEvents(mongo_client, database, consumer="feeds")

    assert await inbox.claim_many([event], None) == [event]
    assert await other.claim_many([event], None) == [event]
    await other.forget()
    assert await other.claim(event, None)
    assert not await inbox.claim(event, None)
