"""Domain events projected into the live rooms they concern."""

from collections.abc import Awaitable, Callable

from chorus_backbone.tracing import current_trace_headers
from chorus_schemas import Envelope, Event
from chorus_schemas.events.ratings import RatingChanged, ReviewPosted
from chorus_schemas.events.users import FriendAccepted
from chorus_schemas.live_room import (
    EventFrame,
    friend_accepted_frame,
    rating_changed_frame,
    review_posted_frame,
)
from forums.live.ports import RoomFanOut, RoomPresence
from forums.store.ports import RoomRepository

ApplyOnce = Callable[[Envelope, Event], Awaitable[bool]]


class RoomEvents:
    """Ratings and reviews go to their album's rooms; a new friendship to rooms either friend is in.

    ``apply_once`` updates the projection and says whether this delivery was the first,
    so a redelivered event is never shown twice.
    """

    def __init__(
        self, rooms: RoomRepository, presence: RoomPresence, fan_out: RoomFanOut, apply_once: ApplyOnce
    ) -> None:
        self.rooms = rooms
        self.presence = presence
        self.fan_out = fan_out
        self.apply_once = apply_once

    async def rating_changed(self, envelope: Envelope, event: RatingChanged) -> None:
        if await self.apply_once(envelope, event):
            await self._to_album_rooms(event.album_id, rating_changed_frame(event))

    async def review_posted(self, event: ReviewPosted) -> None:
        await self._to_album_rooms(event.album_id, review_posted_frame(event))

    async def friend_accepted(self, envelope: Envelope, event: FriendAccepted) -> None:
        if not await self.apply_once(envelope, event):
            return
        friends = {event.sender_id, event.receiver_id}
        for room in await self.rooms.open_rooms():
            if friends & await self.presence.member_ids(room.id):
                await self.fan_out.publish(room.id, friend_accepted_frame(event))

    async def _to_album_rooms(self, album_id: int, frame: EventFrame) -> None:
        # The trace goes along so the push to each member joins the event's trace.
        trace = current_trace_headers()
        for room in await self.rooms.open_rooms(album_id=album_id):
            await self.fan_out.publish(room.id, frame, trace=trace)
