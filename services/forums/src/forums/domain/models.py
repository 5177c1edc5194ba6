"""Rooms, their messages and saved records, as the forums service sees them."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Room:
    id: int
    creator_id: int
    title: str
    album_id: int | None
    created_at: datetime
    closed: bool


@dataclass(frozen=True)
class NewMessage:
    """A message said in a room, before the room's log gives it an id."""

    user_id: int
    username: str | None
    text: str


@dataclass(frozen=True)
class Message:
    room_id: int
    id: int
    user_id: int
    username: str | None
    text: str
    at: datetime
    deleted: bool


@dataclass(frozen=True)
class Record:
    """A saved room log (an ordered list of moves), owned by one user."""

    id: int
    user_id: int
    moves: list[str]
    saved_at: datetime


@dataclass(frozen=True)
class DiscoveredRoom:
    room: Room
    avg_rating: float
    friends_in: bool
    members: int
