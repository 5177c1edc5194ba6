"""Events on ``users.events``, keyed by user id."""

from typing import ClassVar

from pydantic import Field

from chorus_schemas.events.base import Event
from chorus_schemas.topics import Topic


class _UserEvent(Event):
    TOPIC: ClassVar[Topic] = Topic.USERS_EVENTS


class UserRegistered(_UserEvent):
    TYPE: ClassVar[str] = "users.UserRegistered"

    user_id: int = Field(ge=1)
    username: str

    def partition_key(self) -> str:
        return str(self.user_id)


class _FriendshipEvent(_UserEvent):
    """A change between two users, keyed by the one who started it."""

    sender_id: int = Field(ge=1)
    receiver_id: int = Field(ge=1)

    def partition_key(self) -> str:
        return str(self.sender_id)


class FriendRequested(_FriendshipEvent):
    TYPE: ClassVar[str] = "users.FriendRequested"


class FriendAccepted(_FriendshipEvent):
    TYPE: ClassVar[str] = "users.FriendAccepted"


class FriendDeclined(_FriendshipEvent):
    TYPE: ClassVar[str] = "users.FriendDeclined"


class FriendRemoved(_UserEvent):
    TYPE: ClassVar[str] = "users.FriendRemoved"

    user_id: int = Field(ge=1, description="The user who removed the friendship.")
    friend_id: int = Field(ge=1)

    def partition_key(self) -> str:
        return str(self.user_id)
