"""The open rooms and their albums' averages, from the page cache (MongoDB on a miss)."""

from datetime import datetime
from typing import TypedDict

import orjson

from chorus_backbone.page_cache import PageCache
from forums.domain.models import Room
from forums.store.ports import AlbumsAndFriends, RoomRepository

SCOPE = "discovery"


class CachedRoomListing:
    """What discovery shows of every open room, kept in Redis until a room or an average changes."""

    def __init__(self, rooms: RoomRepository, albums: AlbumsAndFriends, cache: PageCache) -> None:
        self.rooms = rooms
        self.albums = albums
        self.cache = cache

    async def listing(self) -> list[tuple[Room, float]]:
        page = await self.cache.get(SCOPE, "open-rooms")
        if page.body is not None:
            entries: list[_Listed] = orjson.loads(page.body)
            return [(_room(entry), entry["avg"]) for entry in entries]
        rooms = await self.rooms.open_rooms()
        averages = await self.albums.averages([r.album_id for r in rooms if r.album_id is not None])
        listed = [
            (room, averages.get(room.album_id, 0.0) if room.album_id is not None else 0.0) for room in rooms
        ]
        await self.cache.put(SCOPE, page, "open-rooms", orjson.dumps([_entry(r, avg) for r, avg in listed]))
        return listed

    async def changed(self) -> None:
        await self.cache.bump(SCOPE)


class _Listed(TypedDict):
    id: int
    creator: int
    title: str
    album: int | None
    created: str
    avg: float


def _entry(room: Room, avg: float) -> _Listed:
    return {
        "id": room.id,
        "creator": room.creator_id,
        "title": room.title,
        "album": room.album_id,
        "created": room.created_at.isoformat(),
        "avg": avg,
    }


def _room(entry: _Listed) -> Room:
    return Room(
        id=entry["id"],
        creator_id=entry["creator"],
        title=entry["title"],
        album_id=entry["album"],
        created_at=datetime.fromisoformat(entry["created"]),
        closed=False,
    )
