"""What the room handlers need of the live side: presence, fan-out, the members on this replica."""

from collections.abc import Mapping, Sequence
from typing import Protocol

from chorus_schemas.live_room import MessageFrame, ServerFrame, UserRef


class RoomPresence(Protocol):
    """Who is in which room (across replicas, with leases), and who is muted."""

    async def enter(self, room_id: int, user_id: int, username: str | None, connection: str) -> bool:
        """Register a connection; True when it is the user's first in the room."""
        ...

    async def leave(self, room_id: int, user_id: int, connection: str) -> bool:
        """Drop a connection; True when it was the user's last in the room."""
        ...

    async def expire(self, room_id: int) -> set[int]:
        """Drop connections whose lease ran out; the users who left the room with them."""
        ...

    async def count(self, room_id: int) -> int:
        """How many users are in the room, without reading who."""
        ...

    async def member_ids(self, room_id: int) -> set[int]: ...
    async def member_ids_of(self, room_ids: list[int]) -> dict[int, set[int]]:
        """The members of each room, in one round trip."""
        ...

    async def members(self, room_id: int) -> list[UserRef]: ...
    async def forget(self, room_id: int) -> None: ...
    async def mute(self, room_id: int, user_id: int, minutes: int) -> None: ...
    async def muted(self, room_id: int, user_id: int) -> bool: ...


class RoomFanOut(Protocol):
    """Frames for every member of a room, on every replica."""

    async def publish(
        self,
        room_id: int,
        frame: ServerFrame,
        *,
        origin: str | None = None,
        trace: Mapping[str, str] | None = None,
    ) -> None:
        """Send ``frame`` to the room; ``origin`` (a connection) does not get it back."""
        ...

    async def publish_messages(self, room_id: int, frames: Sequence[MessageFrame]) -> None:
        """Send one committed batch of the room's messages, in log order."""
        ...


class AlbumFanOut(Protocol):
    """Frames for every open room about one album, on every replica."""

    async def publish_to_album(
        self, album_id: int, frame: ServerFrame, *, trace: Mapping[str, str] | None = None
    ) -> None: ...


class PresenceAnnouncements(Protocol):
    def announce(self, room_id: int) -> None:
        """The room's members will be announced shortly (once for a burst of changes)."""
        ...


class Member(Protocol):
    """One member's connection to a room, on this replica."""

    @property
    def id(self) -> str: ...
    @property
    def room_id(self) -> int: ...
    @property
    def user_id(self) -> int: ...
    @property
    def username(self) -> str | None: ...

    @property
    def sent_away(self) -> bool:
        """Closed because this replica is stopping (the member resumes on another)."""
        ...

    def listen(self) -> None:
        """Receive the room's frames from now on (held back until ``start``)."""
        ...

    async def send(self, frame: ServerFrame) -> None:
        """Send now, ahead of the stream (welcome, answers to this member's own frames)."""
        ...

    def stream_position(self) -> int | None:
        """The last message of the room this replica has fanned out (None: not following it yet)."""
        ...

    async def start(self, last_id: int, *, catch_up_until: int | None = None) -> None:
        """Start the member's stream after message ``last_id`` (first filling it from the log
        up to ``catch_up_until``, when given)."""
        ...

    async def stop(self) -> None: ...
