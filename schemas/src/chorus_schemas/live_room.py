"""The live room's public contract: frames both ways, close codes, where the token comes from.

Clients connect to ``/api/games/wss/lobby/{id}`` (through the gateway) and exchange
JSON frames. Client frames are validated models; server frames are typed dicts
built here from public views (never from an internal event payload), so what a
browser sees is decided in this one module.
"""

import re
from collections.abc import Mapping
from datetime import datetime
from enum import IntEnum
from typing import Annotated, Literal, TypedDict
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from chorus_schemas.events.base import Event
from chorus_schemas.events.ratings import AlbumAggregateChanged, RatingChanged, RatingChangedV2, ReviewPosted
from chorus_schemas.events.users import FriendAccepted


class CloseCode(IntEnum):
    """Why a room socket was closed; 44xx mirror HTTP statuses, the rest are RFC 6455's."""

    GOING_AWAY = 1001  # the replica is stopping: reconnect with since
    POLICY = 1008  # too many bad frames
    MESSAGE_TOO_BIG = 1009  # a frame past the server's limit (chorus_backbone.serve)
    TRY_AGAIN = 1013  # no forums replica reachable now
    UNAUTHORIZED = 4401
    UNKNOWN_ROOM = 4404
    TOO_SLOW = 4408  # the member fell too far behind: reconnect with since
    ROOM_FULL = 4409


_ROOM_PATH = re.compile(r"/api/games/wss/lobby/(\d{1,18})")


def room_of_path(path: str) -> int | None:
    """The room id of a live room socket's path; None for any other path."""
    matched = _ROOM_PATH.fullmatch(path)
    return int(matched.group(1)) if matched else None


def presented_token(headers: Mapping[str, str], query_token: str | None = None) -> str | None:
    """The caller's token: `Authorization: Bearer`, the original `auth_token` header, or `?token=`."""
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return headers.get("auth_token") or query_token


# Client → server


class _ClientFrame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Say(_ClientFrame):
    type: Literal["say"]
    text: str = Field(min_length=1)


class Typing(_ClientFrame):
    type: Literal["typing"]


class Rate(_ClientFrame):
    type: Literal["rate"]
    score: float


class Report(_ClientFrame):
    type: Literal["report"]
    message_id: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=500)


class Delete(_ClientFrame):
    type: Literal["delete"]
    message_id: int = Field(ge=1)


class Mute(_ClientFrame):
    type: Literal["mute"]
    user_id: int = Field(ge=1)
    minutes: int = Field(ge=1, le=24 * 60)


ClientFrame = Annotated[Say | Typing | Rate | Report | Delete | Mute, Field(discriminator="type")]
CLIENT_FRAME: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)


# Server → client


class UserRef(TypedDict):
    id: int
    username: str | None


class RoomView(TypedDict):
    id: int
    title: str
    album_id: int | None
    creator_id: int


class MessageFrame(TypedDict):
    type: Literal["message"]
    id: int
    user: UserRef
    text: str
    at: str


class WelcomeFrame(TypedDict):
    type: Literal["welcome"]
    room: RoomView
    members: list[UserRef]
    history: list[MessageFrame]


class PresenceFrame(TypedDict):
    type: Literal["presence"]
    members: list[UserRef]


class TypingFrame(TypedDict):
    type: Literal["typing"]
    user: UserRef


class DeletedFrame(TypedDict):
    type: Literal["deleted"]
    message_id: int


class MutedFrame(TypedDict):
    type: Literal["muted"]
    user_id: int
    minutes: int


class ReportedFrame(TypedDict):
    type: Literal["reported"]
    message_id: int


class ErrorFrame(TypedDict):
    type: Literal["error"]
    code: str
    message: str


EventName = Literal["rating.changed", "album.updated", "review.posted", "friend.accepted"]


class EventFrame(TypedDict):
    type: Literal["event"]
    name: EventName
    id: str  # the event's id: a client (and each replica) shows an event once
    data: dict[str, object]


ServerFrame = (
    WelcomeFrame
    | MessageFrame
    | PresenceFrame
    | TypingFrame
    | DeletedFrame
    | MutedFrame
    | ReportedFrame
    | ErrorFrame
    | EventFrame
)


def user_ref(user_id: int, username: str | None) -> UserRef:
    return {"id": user_id, "username": username}


def message_frame(
    message_id: int, user_id: int, username: str | None, text: str, at: datetime
) -> MessageFrame:
    return {
        "type": "message",
        "id": message_id,
        "user": user_ref(user_id, username),
        "text": text,
        "at": at.isoformat(),
    }


def welcome_frame(room: RoomView, members: list[UserRef], history: list[MessageFrame]) -> WelcomeFrame:
    return {"type": "welcome", "room": room, "members": members, "history": history}


def presence_frame(members: list[UserRef]) -> PresenceFrame:
    return {"type": "presence", "members": members}


def typing_frame(user: UserRef) -> TypingFrame:
    return {"type": "typing", "user": user}


def deleted_frame(message_id: int) -> DeletedFrame:
    return {"type": "deleted", "message_id": message_id}


def muted_frame(user_id: int, minutes: int) -> MutedFrame:
    return {"type": "muted", "user_id": user_id, "minutes": minutes}


def reported_frame(message_id: int) -> ReportedFrame:
    return {"type": "reported", "message_id": message_id}


def error_frame(code: str, message: str) -> ErrorFrame:
    return {"type": "error", "code": code, "message": message}


# The fields of each event that a room shows; anything else an event carries stays internal.
_PUBLIC_FIELDS: dict[EventName, tuple[str, ...]] = {
    "rating.changed": (
        "album_id",
        "rating_id",
        "user_id",
        "score",
        "previous_score",
        "version",  # counts the changes of one rating (RatingChanged version 2 on)
        "avg_rating",  # version 1 of RatingChanged only: since version 2 see album.updated
        "ratings_count",
    ),
    "album.updated": ("album_id", "avg_rating", "ratings_count", "sequence"),  # keep the highest sequence
    "review.posted": ("album_id", "review_id", "user_id", "score", "excerpt", "spoiler"),
    "friend.accepted": ("sender_id", "receiver_id"),
}


def _event_frame(name: EventName, event_id: UUID, event: Event) -> EventFrame:
    shown = type(event).model_fields
    data = {field: getattr(event, field) for field in _PUBLIC_FIELDS[name] if field in shown}
    return {"type": "event", "name": name, "id": str(event_id), "data": data}


def rating_changed_frame(event_id: UUID, event: RatingChanged | RatingChangedV2) -> EventFrame:
    """Someone rated the room's album (or changed or removed their rating)."""
    return _event_frame("rating.changed", event_id, event)


def album_updated_frame(event_id: UUID, event: AlbumAggregateChanged) -> EventFrame:
    """The room's album has a new average and count."""
    return _event_frame("album.updated", event_id, event)


def review_posted_frame(event_id: UUID, event: ReviewPosted) -> EventFrame:
    """A review of the room's album: its start only, flagged when it spoils."""
    return _event_frame("review.posted", event_id, event)


def friend_accepted_frame(event_id: UUID, event: FriendAccepted) -> EventFrame:
    """Two people in the room became friends."""
    return _event_frame("friend.accepted", event_id, event)
