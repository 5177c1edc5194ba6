"""Events on ``forums.events``, keyed by room id (records by user id)."""

from typing import ClassVar

from pydantic import Field

from chorus_schemas.events.base import Event
from chorus_schemas.topics import Topic


class _RoomEvent(Event):
    TOPIC: ClassVar[Topic] = Topic.FORUMS_EVENTS

    room_id: int = Field(ge=1)

    def partition_key(self) -> str:
        return str(self.room_id)


class RoomOpened(_RoomEvent):
    TYPE: ClassVar[str] = "forums.RoomOpened"

    creator_id: int = Field(ge=1)
    title: str
    album_id: int | None = None


class MemberJoined(_RoomEvent):
    TYPE: ClassVar[str] = "forums.MemberJoined"

    user_id: int = Field(ge=1)


class MemberLeft(_RoomEvent):
    TYPE: ClassVar[str] = "forums.MemberLeft"

    user_id: int = Field(ge=1)


class MessagePosted(_RoomEvent):
    TYPE: ClassVar[str] = "forums.MessagePosted"

    message_id: int = Field(ge=1)
    user_id: int = Field(ge=1)
    text: str


class RoomClosed(_RoomEvent):
    TYPE: ClassVar[str] = "forums.RoomClosed"


class RecordSaved(Event):
    TYPE: ClassVar[str] = "forums.RecordSaved"
    TOPIC: ClassVar[Topic] = Topic.FORUMS_EVENTS

    record_id: int = Field(ge=1)
    user_id: int = Field(ge=1)
    moves_count: int = Field(ge=0)

    def partition_key(self) -> str:
        return str(self.user_id)
