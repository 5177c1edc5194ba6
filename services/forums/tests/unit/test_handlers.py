"""The forums handlers on in-memory ports: rooms, records, a member's session, room events."""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from chorus_backbone.auth import TokenCodec
from chorus_backbone.errors import ChorusError
from chorus_backbone.group_commit import BatchedEvents
from chorus_backbone.memory import InMemoryUnitOfWork
from chorus_schemas import Envelope, Event
from chorus_schemas.events.forums import (
    MemberJoined,
    MemberLeft,
    MessagePosted,
    RecordSaved,
    RoomClosed,
    RoomOpened,
)
from chorus_schemas.events.ratings import AlbumAggregateChanged, RatingChangedV2, UpdateRatingRequestedV2
from chorus_schemas.live_room import CloseCode, MessageFrame, ServerFrame, UserRef, message_frame, user_ref
from forums.domain.models import Message, NewMessage, Room
from forums.handlers.records import Records
from forums.handlers.room_events import RoomEvents
from forums.handlers.room_session import Admission, LiveRoomParts, Lobby, Refusal
from forums.handlers.rooms import Rooms
from forums.settings import ForumsSettings
from forums.store.memory import InMemoryRecordRepository, InMemoryRoomRepository

SECRET = "unit-tests-signing-key-of-32-chars-at-least"
ADA, BOB = 1, 2


class Presence:
    def __init__(self) -> None:
        self.connections: dict[int, dict[str, tuple[int, str | None]]] = {}
        self.muted_users: set[tuple[int, int]] = set()
        self.stale: dict[int, set[str]] = {}

    async def enter(self, room_id: int, user_id: int, username: str | None, connection: str) -> bool:
        first = user_id not in await self.member_ids(room_id)
        self.connections.setdefault(room_id, {})[connection] = (user_id, username)
        return first

    async def leave(self, room_id: int, user_id: int, connection: str) -> bool:
        self.connections.get(room_id, {}).pop(connection, None)
        return user_id not in await self.member_ids(room_id)

    async def expire(self, room_id: int) -> set[int]:
        gone = {self.connections[room_id].pop(c)[0] for c in self.stale.pop(room_id, set())}
        return gone - await self.member_ids(room_id)

    async def member_ids(self, room_id: int) -> set[int]:
        return {user for user, _ in self.connections.get(room_id, {}).values()}

    async def member_ids_of(self, room_ids: list[int]) -> dict[int, set[int]]:
        return {room_id: await self.member_ids(room_id) for room_id in room_ids}

    async def count(self, room_id: int) -> int:
        return len(await self.member_ids(room_id))

    async def members(self, room_id: int) -> list[UserRef]:
        named = dict(self.connections.get(room_id, {}).values())
        return [user_ref(user, named[user]) for user in sorted(named)]

    async def forget(self, room_id: int) -> None:
        self.connections.pop(room_id, None)

    async def mute(self, room_id: int, user_id: int, minutes: int) -> None:
        self.muted_users.add((room_id, user_id))

    async def muted(self, room_id: int, user_id: int) -> bool:
        return (room_id, user_id) in self.muted_users


@dataclass
class FanOut:
    published: list[tuple[int, ServerFrame, str | None]] = field(default_factory=list)

    async def publish(
        self,
        room_id: int,
        frame: ServerFrame,
        *,
        origin: str | None = None,
        trace: Mapping[str, str] | None = None,
    ) -> None:
        self.published.append((room_id, frame, origin))

    async def publish_messages(self, room_id: int, frames: Sequence[MessageFrame]) -> None:
        self.published.extend((room_id, frame, None) for frame in frames)


class Announcer:
    def __init__(self) -> None:
        self.rooms: list[int] = []

    def announce(self, room_id: int) -> None:
        self.rooms.append(room_id)


class MessageLog:
    """Stores then fans out one message at a time (the group commit is proved on MongoDB)."""

    def __init__(
        self, rooms: InMemoryRoomRepository, unit_of_work: InMemoryUnitOfWork, fan_out: FanOut
    ) -> None:
        self.rooms = rooms
        self.unit_of_work = unit_of_work
        self.fan_out = fan_out
        self.pending: list[asyncio.Task[Message | None]] = []
        self.unavailable = False

    def append(self, room_id: int, entry: NewMessage) -> "asyncio.Future[Message | None]":
        task = asyncio.ensure_future(self._store(room_id, entry))
        self.pending.append(task)
        return task

    async def settled(self) -> None:
        """Every message said so far is stored (or refused) and fanned out, and its answer sent."""
        await asyncio.gather(*self.pending, return_exceptions=True)
        for _ in range(3):  # the answer to a failed store is sent from a task of its own
            await asyncio.sleep(0)

    async def _store(self, room_id: int, entry: NewMessage) -> Message | None:
        if self.unavailable:
            raise ConnectionError("the room's log is away")
        [message] = await self.rooms.append(room_id, [entry], session=None) or [None]
        if message is not None:
            self.unit_of_work.announced.append(
                MessagePosted(room_id=room_id, message_id=message.id, user_id=entry.user_id, text=entry.text)
            )
            frame = message_frame(message.id, message.user_id, message.username, message.text, message.at)
            await self.fan_out.publish_messages(room_id, [frame])
        return message


@dataclass
class Member:
    user_id: int
    username: str | None
    room_id: int
    id: str = "connection-1"
    sent: list[ServerFrame] = field(default_factory=list)
    listening: bool = False
    started_after: int | None = None
    caught_up_to: int | None = None
    stopped: bool = False
    sent_away: bool = False

    def listen(self) -> None:
        self.listening = True

    async def send(self, frame: ServerFrame) -> None:
        self.sent.append(frame)

    def stream_position(self) -> int | None:
        return None

    async def start(self, last_id: int, *, catch_up_until: int | None = None) -> None:
        self.started_after = last_id
        self.caught_up_to = catch_up_until

    async def stop(self) -> None:
        self.stopped = True


@dataclass
class AlbumsAndFriends:
    titles: dict[int, str] = field(default_factory=dict)
    average: dict[int, float] = field(default_factory=dict)
    friends: dict[int, list[int]] = field(default_factory=dict)

    async def album_title(self, album_id: int) -> str | None:
        return self.titles.get(album_id)

    async def averages(self, album_ids: list[int]) -> dict[int, float]:
        return {a: self.average[a] for a in album_ids if a in self.average}

    async def friends_of(self, user_id: int) -> list[int]:
        return self.friends.get(user_id, [])


class Listing:
    """Discovery's listing straight from the stores, counting how often it was made stale."""

    def __init__(self, rooms: InMemoryRoomRepository, catalog: "AlbumsAndFriends") -> None:
        self.rooms = rooms
        self.catalog = catalog
        self.stale = 0

    async def listing(self) -> list[tuple[Room, float]]:
        rooms = await self.rooms.open_rooms()
        return [(room, self.catalog.average.get(room.album_id or 0, 0.0)) for room in rooms]

    async def changed(self) -> None:
        self.stale += 1


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    settings: ForumsSettings
    unit_of_work: InMemoryUnitOfWork
    store: InMemoryRoomRepository
    presence: Presence
    fan_out: FanOut
    message_log: MessageLog
    announcer: Announcer
    catalog: AlbumsAndFriends
    clock: Clock
    rooms: Rooms
    lobby: Lobby
    tokens: TokenCodec


@pytest.fixture
def world() -> World:
    settings = ForumsSettings(
        jwt_secret=SECRET,
        service_token_secret=SECRET,
        max_open_rooms_per_user=2,
        max_members_per_room=2,
        message_burst=2,
        messages_per_second=0.01,
        bad_frames_before_close=3,
        history_on_join=2,
    )
    unit_of_work, store, presence = InMemoryUnitOfWork(), InMemoryRoomRepository(), Presence()
    fan_out, announcer, clock = FanOut(), Announcer(), Clock()
    catalog = AlbumsAndFriends(titles={7: "OK Computer"}, average={7: 4.5}, friends={ADA: [BOB]})
    listing = Listing(store, catalog)
    rooms = Rooms(store, presence, fan_out, catalog, listing, unit_of_work, settings, clock)
    tokens = TokenCodec(settings.token_keys())
    message_log = MessageLog(store, unit_of_work, fan_out)
    parts = LiveRoomParts(
        rooms=store,
        room_handlers=rooms,
        message_log=message_log,
        presence=presence,
        fan_out=fan_out,
        announcer=announcer,
        events=BatchedEvents(unit_of_work),
        tokens=tokens,
        settings=settings,
    )
    return World(
        settings,
        unit_of_work,
        store,
        presence,
        fan_out,
        message_log,
        announcer,
        catalog,
        clock,
        rooms,
        Lobby(parts),
        tokens,
    )


async def test_a_room_about_an_album_takes_its_title_and_is_announced(world: World) -> None:
    room = await world.rooms.open_room(ADA, 7, None)

    assert room.title == "OK Computer"
    assert world.unit_of_work.announced == [
        RoomOpened(room_id=room.id, creator_id=ADA, title="OK Computer", album_id=7)
    ]


async def test_opening_is_refused_for_an_unknown_album_and_past_the_per_user_limit(world: World) -> None:
    with pytest.raises(ChorusError) as unknown:
        await world.rooms.open_room(ADA, 404, None)
    await world.rooms.open_room(ADA, None, "one")
    await world.rooms.open_room(ADA, None, "two")
    with pytest.raises(ChorusError) as too_many:
        await world.rooms.open_room(ADA, None, "three")

    assert (unknown.value.code, too_many.value.code) == ("unknown_album", "too_many_open_rooms")


async def test_the_sweep_closes_a_room_nobody_joined_in_time_once(world: World) -> None:
    room = await world.rooms.open_room(ADA, None, "quiet")
    await world.rooms.sweep()
    world.clock.now += timedelta(seconds=world.settings.empty_room_grace_seconds + 1)
    await world.rooms.sweep()
    await world.rooms.sweep()

    assert world.unit_of_work.announced[1:] == [RoomClosed(room_id=room.id)]
    assert not await world.rooms.close_room(room.id)
    assert world.rooms.listing.stale == 2  # type: ignore[attr-defined]  (opened, then closed)


async def test_members_of_a_dead_replica_leave_and_the_rest_hear_of_it(world: World) -> None:
    room = await world.rooms.open_room(ADA, None, "busy")
    await world.presence.enter(room.id, ADA, "ada", "a")
    await world.presence.enter(room.id, BOB, "bob", "b")
    world.presence.stale[room.id] = {"b"}

    await world.rooms.sweep()

    assert world.unit_of_work.announced[-1] == MemberLeft(room_id=room.id, user_id=BOB)
    assert world.fan_out.published[-1] == (
        room.id,
        {"type": "presence", "members": [user_ref(ADA, "ada")]},
        None,
    )


async def test_discovery_filters_by_rating_and_friends_in_the_room(world: World) -> None:
    album_room = await world.rooms.open_room(BOB, 7, None)
    await world.rooms.open_room(BOB, None, "no album")
    await world.presence.enter(album_room.id, BOB, "bob", "b")

    rated = await world.rooms.discover(
        ADA, min_rating=4.0, max_rating=None, friends_only=False, limit=10, offset=0
    )
    with_friends = await world.rooms.discover(
        ADA, min_rating=None, max_rating=None, friends_only=True, limit=10, offset=0
    )

    assert [(d.room.id, d.avg_rating, d.friends_in, d.members) for d in rated] == [
        (album_room.id, 4.5, True, 1)
    ]
    assert [d.room.id for d in with_friends] == [album_room.id]


async def test_records_are_their_owners_only_and_bounded(world: World) -> None:
    records = Records(InMemoryRecordRepository(), world.unit_of_work, world.settings)

    saved = await records.save_record(ADA, ["e4", "e5"])
    with pytest.raises(ChorusError) as someone_elses:
        await records.get_record(BOB, saved.id)
    with pytest.raises(ChorusError) as too_long:
        await records.save_record(ADA, ["x" * (world.settings.max_move_chars + 1)])

    assert (await records.get_record(ADA, saved.id)).moves == ["e4", "e5"]
    assert (someone_elses.value.code, too_long.value.code) == ("unknown_record", "move_too_long")
    assert world.unit_of_work.announced == [RecordSaved(record_id=saved.id, user_id=ADA, moves_count=2)]


async def _admitted(world: World, user_id: int, room_id: int) -> Admission:
    admission = await world.lobby.admit(world.tokens.issue_user_token(user_id, f"user{user_id}"), room_id)
    assert isinstance(admission, Admission)
    return admission


async def test_admission_says_why_with_the_contracts_close_codes(world: World) -> None:
    room = await world.rooms.open_room(ADA, None, "small")
    await world.presence.enter(room.id, ADA, "ada", "a")
    await world.presence.enter(room.id, BOB, "bob", "b")
    token = world.tokens.issue_user_token(3, "cy")

    refusals = [
        await world.lobby.admit(None, room.id),
        await world.lobby.admit("not-a-token", room.id),
        await world.lobby.admit(world.tokens.issue_service_token("reviews"), room.id),
        await world.lobby.admit(token, 404),
        await world.lobby.admit(token, room.id),
    ]

    assert [r.code if isinstance(r, Refusal) else r for r in refusals] == [
        CloseCode.UNAUTHORIZED,
        CloseCode.UNAUTHORIZED,
        CloseCode.UNAUTHORIZED,
        CloseCode.UNKNOWN_ROOM,
        CloseCode.ROOM_FULL,
    ]


async def test_joining_welcomes_with_the_latest_history_and_starts_after_it(world: World) -> None:
    world.settings.history_on_join = 1
    room = await world.rooms.open_room(ADA, None, "chat")
    admission = await _admitted(world, ADA, room.id)
    ada = Member(ADA, "user1", room.id)
    session = world.lobby.session(admission, ada)
    await session.join(None)
    for text in ("one", "two"):
        await session.receive(orjson.dumps({"type": "say", "text": text}).decode())
    await world.message_log.settled()

    bob = Member(BOB, "user2", room.id, id="connection-2")
    await world.lobby.session(await _admitted(world, BOB, room.id), bob).join(None)

    welcome = bob.sent[0]
    assert welcome["type"] == "welcome"
    assert [m["text"] for m in welcome["history"]] == ["two"]  # type: ignore[typeddict-item]
    assert (bob.listening, bob.started_after) == (True, 2)
    assert MemberJoined(room_id=room.id, user_id=BOB) in world.unit_of_work.announced


async def test_a_resume_past_the_limit_catches_up_from_the_log(world: World) -> None:
    world.settings.max_resume_messages = 2
    room = await world.rooms.open_room(ADA, None, "chat")
    for text in "abcde":
        await world.store.append(
            room.id,
            [__import__("forums.domain.models").domain.models.NewMessage(ADA, "a", text)],
            session=None,
        )
    bob = Member(BOB, "user2", room.id)

    await world.lobby.session(await _admitted(world, BOB, room.id), bob).join(since=1)

    assert [m["id"] for m in bob.sent[0]["history"]] == [2, 3]  # type: ignore[typeddict-item]
    assert (bob.started_after, bob.caught_up_to) == (3, 5)


async def test_said_messages_are_stored_then_fanned_out_and_limits_answer_with_errors(world: World) -> None:
    room = await world.rooms.open_room(ADA, None, "chat")
    ada = Member(ADA, "user1", room.id)
    session = world.lobby.session(await _admitted(world, ADA, room.id), ada)
    await session.join(None)

    await session.receive(orjson.dumps({"type": "say", "text": "hello"}).decode())
    await session.receive(orjson.dumps({"type": "say", "text": "again"}).decode())
    refusal = await session.receive(orjson.dumps({"type": "say", "text": "too fast"}).decode())
    await world.message_log.settled()

    stored = [m.text for m in world.store.logs[room.id]]
    fanned = [frame for _, frame, _ in world.fan_out.published if frame["type"] == "message"]
    assert stored == ["hello", "again"]
    assert [f["text"] for f in fanned] == ["hello", "again"]  # type: ignore[typeddict-item]
    assert ada.sent[-1] == {
        "type": "error",
        "code": "slow_down",
        "message": "you are sending messages too fast",
    }
    assert refusal is None


async def test_a_message_the_log_refuses_or_cannot_store_is_answered_and_not_fanned_out(
    world: World,
) -> None:
    room = await world.rooms.open_room(ADA, None, "chat")
    ada = Member(ADA, "user1", room.id)
    session = world.lobby.session(await _admitted(world, ADA, room.id), ada)
    await session.join(None)

    world.message_log.unavailable = True
    away = await session.receive(orjson.dumps({"type": "say", "text": "into the void"}).decode())
    await world.message_log.settled()
    world.message_log.unavailable = False
    await world.store.close(room.id, session=None)
    closed = await session.receive(orjson.dumps({"type": "say", "text": "too late"}).decode())
    await world.message_log.settled()

    errors = [frame["code"] for frame in ada.sent if frame["type"] == "error"]  # type: ignore[typeddict-item]
    assert errors == ["unavailable", "room_closed"]
    assert (away, closed) == (None, None)  # the socket stays open
    assert not [frame for _, frame, _ in world.fan_out.published if frame["type"] == "message"]
    assert world.store.logs.get(room.id, []) == []


async def test_bad_frames_are_answered_and_too_many_close_the_socket(world: World) -> None:
    room = await world.rooms.open_room(ADA, None, "chat")
    ada = Member(ADA, "user1", room.id)
    session = world.lobby.session(await _admitted(world, ADA, room.id), ada)
    await session.join(None)

    answers = [
        await session.receive("not json"),
        await session.receive('{"type": "dance"}'),
        await session.receive('{"type": "say", "text": 5}'),
        await session.receive("x" * (world.settings.max_frame_bytes + 1)),
    ]

    codes = [frame["code"] for frame in ada.sent[1:]]  # type: ignore[typeddict-item]
    assert codes == ["bad_frame", "bad_frame", "bad_frame", "frame_too_large"]
    assert answers[:3] == [None, None, None]  # the limit is 3 within the window
    assert answers[3] == Refusal(CloseCode.POLICY, "too many bad frames")


async def test_only_the_creator_moderates_and_a_muted_member_cannot_speak(world: World) -> None:
    room = await world.rooms.open_room(ADA, None, "chat")
    ada = world.lobby.session(await _admitted(world, ADA, room.id), Member(ADA, "user1", room.id))
    bob_member = Member(BOB, "user2", room.id, id="connection-2")
    bob = world.lobby.session(await _admitted(world, BOB, room.id), bob_member)
    await ada.join(None)
    await bob.join(None)

    await bob.receive(orjson.dumps({"type": "mute", "user_id": ADA, "minutes": 5}).decode())
    await ada.receive(orjson.dumps({"type": "mute", "user_id": BOB, "minutes": 5}).decode())
    await bob.receive(orjson.dumps({"type": "say", "text": "hi"}).decode())

    codes = [frame["code"] for frame in bob_member.sent if frame["type"] == "error"]  # type: ignore[typeddict-item]
    assert codes == ["not_creator", "muted"]
    assert (room.id, {"type": "muted", "user_id": BOB, "minutes": 5}, None) in world.fan_out.published


async def test_rating_from_the_room_travels_as_a_command(world: World) -> None:
    room = await world.rooms.open_room(ADA, 7, None)
    session = world.lobby.session(await _admitted(world, ADA, room.id), Member(ADA, "user1", room.id))
    await session.join(None)

    await session.receive(orjson.dumps({"type": "rate", "score": 4.5}).decode())

    assert world.unit_of_work.announced[-1] == UpdateRatingRequestedV2(
        album_id=7, user_id=ADA, score=4.5, requested_by=ADA
    )


async def test_the_last_member_leaving_closes_the_room(world: World) -> None:
    room = await world.rooms.open_room(ADA, None, "chat")
    ada = Member(ADA, "user1", room.id)
    session = world.lobby.session(await _admitted(world, ADA, room.id), ada)
    await session.join(None)

    await session.leave()

    assert ada.stopped
    assert world.unit_of_work.announced[-2:] == [
        MemberLeft(room_id=room.id, user_id=ADA),
        RoomClosed(room_id=room.id),
    ]


async def test_ratings_and_averages_go_to_their_albums_rooms_with_their_event_ids(world: World) -> None:
    class AlbumChannel:
        def __init__(self) -> None:
            self.published: list[tuple[int, ServerFrame]] = []

        async def publish_to_album(
            self, album_id: int, frame: ServerFrame, *, trace: Mapping[str, str] | None = None
        ) -> None:
            self.published.append((album_id, frame))

    async def never(envelope: Envelope, event: Event) -> bool:
        raise AssertionError("ratings need no projection before their frame")

    channel = AlbumChannel()
    events = RoomEvents(world.store, world.presence, world.fan_out, channel, never)
    changed = RatingChangedV2(album_id=7, rating_id=3, user_id=BOB, score=4.0, version=1)
    folded = AlbumAggregateChanged(album_id=7, ratings_count=1, avg_rating=4.0, sequence=1)
    first, second = Envelope.wrap(changed, source="reviews"), Envelope.wrap(folded, source="reviews")

    await events.to_album_rooms(first, changed)
    await events.to_album_rooms(second, folded)

    assert channel.published == [
        (
            7,
            {
                "type": "event",
                "name": "rating.changed",
                "id": str(first.id),
                "data": {
                    "album_id": 7,
                    "rating_id": 3,
                    "user_id": BOB,
                    "score": 4.0,
                    "previous_score": None,
                    "version": 1,
                },
            },
        ),
        (
            7,
            {
                "type": "event",
                "name": "album.updated",
                "id": str(second.id),
                "data": {"album_id": 7, "avg_rating": 4.0, "ratings_count": 1, "sequence": 1},
            },
        ),
    ]
