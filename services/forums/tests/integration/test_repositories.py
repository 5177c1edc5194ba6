"""The repositories' contract, held by the MongoDB stores and the in-memory ones alike."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from chorus_backbone import mongo
from forums.domain.models import NewMessage, Room
from forums.store.memory import InMemoryRecordRepository, InMemoryRoomRepository
from forums.store.ports import RecordRepository, RoomRepository
from forums.store.records import MongoRecordRepository
from forums.store.rooms import MongoRoomRepository

pytestmark = pytest.mark.integration


@dataclass
class Stores:
    rooms: RoomRepository
    records: RecordRepository


@pytest.fixture(params=["mongo", "memory"])
async def stores(request: pytest.FixtureRequest, mongo_database: mongo.Database) -> Stores:
    if request.param == "memory":
        return Stores(InMemoryRoomRepository(), InMemoryRecordRepository())
    rooms = MongoRoomRepository(mongo_database)
    records = MongoRecordRepository(mongo_database)
    await rooms.ensure_indexes()
    await records.ensure_indexes()
    return Stores(rooms, records)


async def _room(rooms: RoomRepository, creator: int, album_id: int | None) -> Room:
    room = Room(await rooms.next_id(), creator, "a room", album_id, datetime.now(UTC), closed=False)
    await rooms.add(room, session=None)
    return room


async def test_a_rooms_log_counts_up_in_order_and_a_closed_room_takes_nothing(stores: Stores) -> None:
    rooms = stores.rooms
    room = await _room(rooms, 1, album_id=7)

    first = await rooms.append(
        room.id, [NewMessage(1, "ada", "one"), NewMessage(2, "bob", "two")], session=None
    )
    second = await rooms.append(room.id, [NewMessage(1, "ada", "three")], session=None)

    assert [(m.id, m.text) for m in (first or []) + (second or [])] == [(1, "one"), (2, "two"), (3, "three")]
    assert await rooms.last_id(room.id) == 3
    assert [m.id for m in await rooms.after(room.id, 1, limit=5)] == [2, 3]
    assert [m.id for m in await rooms.latest(room.id, limit=2)] == [2, 3]
    assert await rooms.latest(room.id, limit=0) == []
    assert await rooms.close(room.id, session=None)
    assert not await rooms.close(room.id, session=None)
    assert await rooms.append(room.id, [NewMessage(1, "ada", "late")], session=None) is None


async def test_open_rooms_are_found_by_album_and_counted_by_creator(stores: Stores) -> None:
    rooms = stores.rooms
    about = await _room(rooms, 1, album_id=7)
    other = await _room(rooms, 1, album_id=None)
    also_about = await _room(rooms, 2, album_id=7)
    await rooms.close(other.id, session=None)

    assert [r.id for r in await rooms.open_rooms(album_id=7)] == [about.id, also_about.id]
    assert len(await rooms.open_rooms()) == 2
    assert await rooms.open_count_by(1) == 1
    assert (await rooms.get(other.id)) is not None
    assert await rooms.get(404) is None


async def test_deleted_messages_keep_their_place_and_reports_need_a_message(stores: Stores) -> None:
    rooms = stores.rooms
    room = await _room(rooms, 1, album_id=None)
    await rooms.append(room.id, [NewMessage(2, "bob", "rude")], session=None)

    assert await rooms.delete_message(room.id, 1)
    assert not await rooms.delete_message(room.id, 1)
    [deleted] = await rooms.after(room.id, 0, limit=5)
    assert (deleted.id, deleted.deleted, deleted.text) == (1, True, "")
    assert await rooms.message_exists(room.id, 1)
    assert not await rooms.message_exists(room.id, 2)
    await rooms.report(room.id, 1, 3, "spam")


async def test_a_long_log_reads_and_deletes_the_same_across_its_batches(stores: Stores) -> None:
    rooms = stores.rooms
    room = await _room(rooms, 1, album_id=None)
    said = [
        NewMessage(1 + index % 2, "ada" if index % 2 == 0 else "bob", f"m{index + 1}") for index in range(150)
    ]
    await rooms.append(room.id, said[:100], session=None)  # a batch longer than any page
    for message in said[100:]:
        await rooms.append(room.id, [message], session=None)

    everything = await rooms.after(room.id, 0, limit=500)
    assert [(m.id, m.text) for m in everything] == [(i, f"m{i}") for i in range(1, 151)]
    assert [m.id for m in await rooms.after(room.id, 60, limit=10)] == list(range(61, 71))
    assert [m.id for m in await rooms.latest(room.id, limit=55)] == list(range(96, 151))
    for message_id in (64, 65, 100, 101, 150):
        assert await rooms.delete_message(room.id, message_id)
        assert await rooms.message_exists(room.id, message_id)
    assert not await rooms.message_exists(room.id, 151)
    shown = {m.id: (m.deleted, m.text) for m in await rooms.after(room.id, 60, limit=100)}
    assert [i for i, (deleted, _) in shown.items() if deleted] == [64, 65, 100, 101, 150]
    assert shown[64] == (True, "")
    assert shown[66] == (False, "m66")


async def test_messages_stored_one_per_document_before_are_read_after_a_start(
    mongo_database: mongo.Database,
) -> None:
    at = datetime(2026, 5, 1, tzinfo=UTC)
    await mongo_database["messages"].insert_many(
        [
            {
                "_id": f"9:{seq}",
                "room_id": 9,
                "seq": seq,
                "user_id": 1,
                "username": "ada",
                "text": f"old {seq}",
                "at": at,
            }
            for seq in (1, 2, 3)
        ]
        + [{"_id": "9:4", "room_id": 9, "seq": 4, "user_id": 2, "text": "", "at": at, "deleted": True}]
    )
    await mongo_database["rooms"].insert_one(
        {"_id": 9, "creator_id": 1, "title": "old", "created_at": at, "closed": False, "last_seq": 4}
    )
    rooms = MongoRoomRepository(mongo_database)
    await rooms.ensure_indexes()
    await rooms.ensure_indexes()  # a second start finds the work done

    await rooms.append(9, [NewMessage(1, "ada", "new")], session=None)

    shown = [(m.id, m.username, m.text, m.deleted, m.at) for m in await rooms.latest(9, limit=10)]
    assert shown[:4] == [
        (1, "ada", "old 1", False, at),
        (2, "ada", "old 2", False, at),
        (3, "ada", "old 3", False, at),
        (4, None, "", True, at),
    ]
    assert shown[4][:4] == (5, "ada", "new", False)
    assert await rooms.delete_message(9, 2)


async def test_records_belong_to_their_owner_newest_first(stores: Stores) -> None:
    records = stores.records
    first = await records.add(1, ["e4"], session=None, record_id=await records.next_id())
    second = await records.add(1, ["d4", "d5"], session=None, record_id=await records.next_id())

    listed = await records.owned_by(1, limit=5, offset=0)
    assert [r.id for r in listed] == [second.id, first.id]
    assert all(r.moves == [] for r in listed)
    found = await records.get(second.id, owner=1)
    assert found is not None
    assert (found.id, found.user_id, found.moves) == (second.id, 1, ["d4", "d5"])
    assert await records.get(second.id, owner=2) is None
