"""Use cases of rooms outside the socket: open one, discover them, close an empty one."""

from collections.abc import Callable
from datetime import UTC, datetime

from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.unit_of_work import Transaction, UnitOfWork
from chorus_schemas.events.forums import MemberLeft, RoomClosed, RoomOpened
from chorus_schemas.live_room import presence_frame
from forums.domain.models import DiscoveredRoom, Room
from forums.live.ports import RoomFanOut, RoomPresence
from forums.settings import ForumsSettings
from forums.store.ports import AlbumsAndFriends, OpenRoomListing, RoomRepository

TITLE_MAX = 200
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class Rooms:
    """Rooms as a whole: opening, closing, sweeping out the dead, discovery."""

    def __init__(
        self,
        rooms: RoomRepository,
        presence: RoomPresence,
        fan_out: RoomFanOut,
        albums_and_friends: AlbumsAndFriends,
        listing: OpenRoomListing,
        unit_of_work: UnitOfWork,
        settings: ForumsSettings,
        clock: Clock = _now,
    ) -> None:
        self.rooms = rooms
        self.presence = presence
        self.fan_out = fan_out
        self.albums_and_friends = albums_and_friends
        self.listing = listing
        self.unit_of_work = unit_of_work
        self.settings = settings
        self.clock = clock

    async def open_room(self, creator: int, album_id: int | None, title: str | None) -> Room:
        """Open a room, usually about one album; a user may hold only so many open at once."""
        limit = self.settings.max_open_rooms_per_user
        if await self.rooms.open_count_by(creator) >= limit:
            raise ChorusError(
                ErrorKind.CONFLICT,
                "too_many_open_rooms",
                f"you already have {limit} open rooms: close one first",
            )
        album_title = None
        if album_id is not None:
            album_title = await self.albums_and_friends.album_title(album_id)
            if album_title is None:
                raise ChorusError(ErrorKind.NOT_FOUND, "unknown_album", "there is no such album")
        room = Room(
            id=await self.rooms.next_id(),
            creator_id=creator,
            title=(title or album_title or "Listening room").strip()[:TITLE_MAX],
            album_id=album_id,
            created_at=self.clock(),
            closed=False,
        )

        async def store(transaction: Transaction) -> None:
            await self.rooms.add(room, session=transaction.session)
            transaction.record(
                RoomOpened(room_id=room.id, creator_id=creator, title=room.title, album_id=album_id)
            )

        await self.unit_of_work.run(store)
        await self.listing.changed()
        return room

    async def close_room(self, room_id: int) -> bool:
        """Close a room once (whichever replica gets there first announces RoomClosed)."""

        async def close(transaction: Transaction) -> bool:
            if not await self.rooms.close(room_id, session=transaction.session):
                return False
            transaction.record(RoomClosed(room_id=room_id))
            return True

        closed = await self.unit_of_work.run(close)
        if closed:
            await self.presence.forget(room_id)
            await self.listing.changed()
        return closed

    async def sweep(self) -> None:
        """Expire members of dead replicas; close rooms left empty (or never joined in time)."""
        now = self.clock()
        for room in await self.rooms.open_rooms():
            gone = await self.presence.expire(room.id)
            if gone:
                await self._announce_departures(room.id, gone)
            members = await self.presence.members(room.id)
            if gone and members:
                await self.fan_out.publish(room.id, presence_frame(members))
            if members:
                continue
            grace = self.settings.empty_room_grace_seconds
            if gone or (now - room.created_at).total_seconds() > grace:
                await self.close_room(room.id)

    async def _announce_departures(self, room_id: int, users: set[int]) -> None:
        async def store(transaction: Transaction) -> None:
            for user_id in sorted(users):
                transaction.record(MemberLeft(room_id=room_id, user_id=user_id))

        await self.unit_of_work.run(store)

    async def discover(
        self,
        caller: int,
        *,
        min_rating: float | None,
        max_rating: float | None,
        friends_only: bool,
        limit: int,
        offset: int,
    ) -> list[DiscoveredRoom]:
        """Open rooms with their album's average and whether any of the caller's friends is in."""
        listed = await self.listing.listing()
        members = await self.presence.member_ids_of([room.id for room, _ in listed])
        friends = set(await self.albums_and_friends.friends_of(caller)) if listed else set()
        found = []
        for room, avg in listed:
            here = members.get(room.id, set())
            entry = DiscoveredRoom(room, avg, bool(friends & here), len(here))
            if min_rating is not None and avg < min_rating:
                continue
            if max_rating is not None and avg > max_rating:
                continue
            if friends_only and not entry.friends_in:
                continue
            found.append(entry)
        return found[offset : offset + limit]
