"""Use cases of rooms outside the socket: open one, discover them, close an empty one."""

from dataclasses import dataclass
from datetime import UTC, datetime

from chorus_backbone import mongo
from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_schemas.events.forums import MemberLeft, RoomClosed, RoomOpened
from forums.bootstrap import ForumsService
from forums.store.rooms import Room

TITLE_MAX = 200


async def open_room(service: ForumsService, creator: int, album_id: int | None, title: str | None) -> Room:
    """Open a room, usually about one album; a user may hold only so many open at once."""
    limit = service.settings.max_open_rooms_per_user
    if await service.rooms.open_count_by(creator) >= limit:
        raise ChorusError(
            ErrorKind.CONFLICT, "too_many_open_rooms", f"you already have {limit} open rooms: close one first"
        )
    album_title = None
    if album_id is not None:
        album = await (await service.projections.current()).album(album_id)
        if album is None:
            raise ChorusError(ErrorKind.NOT_FOUND, "unknown_album", "there is no such album")
        album_title = str(album.get("title", ""))
    room = Room(
        id=await service.rooms.next_id(),
        creator_id=creator,
        title=(title or album_title or "Listening room").strip()[:TITLE_MAX],
        album_id=album_id,
        created_at=datetime.now(UTC),
        closed=False,
    )

    async def store(session: mongo.Session) -> None:
        await service.rooms.add(room, session=session)
        await service.runtime.outbox.add(
            RoomOpened(room_id=room.id, creator_id=creator, title=room.title, album_id=album_id),
            session=session,
        )

    await mongo.in_transaction(service.runtime.mongo_client, store)
    service.runtime.relay.notify()
    return room


async def close_room(service: ForumsService, room_id: int) -> bool:
    """Close a room once (whichever replica gets there first announces RoomClosed)."""

    async def close(session: mongo.Session) -> bool:
        if not await service.rooms.close(room_id, session=session):
            return False
        await service.runtime.outbox.add(RoomClosed(room_id=room_id), session=session)
        return True

    closed = await mongo.in_transaction(service.runtime.mongo_client, close)
    if closed:
        await service.presence.forget(room_id)
        service.runtime.relay.notify()
    return closed


async def sweep(service: ForumsService) -> None:
    """Expire members of dead replicas; close rooms left empty (or never joined in time)."""
    now = datetime.now(UTC)
    for room in await service.rooms.open_rooms():
        gone = await service.presence.expire(room.id)
        if gone:
            await _announce_departures(service, room.id, gone)
        members = await service.presence.members(room.id)
        if gone and members:
            await service.bus.publish(room.id, {"type": "presence", "members": members})
        if members:
            continue
        grace = service.settings.empty_room_grace_seconds
        if gone or (now - room.created_at).total_seconds() > grace:
            await close_room(service, room.id)


async def _announce_departures(service: ForumsService, room_id: int, users: set[int]) -> None:
    async def store(session: mongo.Session) -> None:
        for user_id in sorted(users):
            await service.runtime.outbox.add(MemberLeft(room_id=room_id, user_id=user_id), session=session)

    await mongo.in_transaction(service.runtime.mongo_client, store)


@dataclass(frozen=True)
class DiscoveredRoom:
    room: Room
    avg_rating: float
    friends_in: bool
    members: int


async def discover(
    service: ForumsService,
    caller: int,
    *,
    min_rating: float | None,
    max_rating: float | None,
    friends_only: bool,
    limit: int,
    offset: int,
) -> list[DiscoveredRoom]:
    """Open rooms with their album's average and whether any of the caller's friends is in."""
    rooms = await service.rooms.open_rooms()
    projections = await service.projections.current()
    averages = await projections.averages([r.album_id for r in rooms if r.album_id is not None])
    friends = set(await projections.friends_of(caller))
    found = []
    for room in rooms:
        members = await service.presence.member_ids(room.id)
        avg = averages.get(room.album_id, 0.0) if room.album_id is not None else 0.0
        entry = DiscoveredRoom(room, avg, bool(friends & members), len(members))
        if min_rating is not None and avg < min_rating:
            continue
        if max_rating is not None and avg > max_rating:
            continue
        if friends_only and not entry.friends_in:
            continue
        found.append(entry)
    return found[offset : offset + limit]
