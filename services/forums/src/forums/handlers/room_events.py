"""Domain events projected into the live rooms they concern.

A rating or review reaches its album's rooms as soon as the consumer reads it: one
publish to the album's channel, which every replica hands to the members of its
rooms about that album. Each event frame carries the event's id, and a replica shows
an id once, so an event read twice (a consumer that restarted mid-batch) is not
shown twice.
"""

from collections.abc import Awaitable, Callable

from chorus_backbone.tracing import current_trace_headers
from chorus_schemas import Envelope, Event
from chorus_schemas.events.ratings import AlbumAggregateChanged, RatingChanged, RatingChangedV2, ReviewPosted
from chorus_schemas.events.users import FriendAccepted
from chorus_schemas.live_room import (
    EventFrame,
    album_updated_frame,
    friend_accepted_frame,
    rating_changed_frame,
    review_posted_frame,
)
from forums.live.ports import AlbumFanOut, RoomFanOut, RoomPresence
from forums.store.ports import RoomRepository

ApplyOnce = Callable[[Envelope, Event], Awaitable[bool]]


class RoomEvents:
    """Ratings, reviews and album averages to their album's rooms; a friendship to rooms either friend is in.

    ``apply_once`` updates the friend graph and says whether this delivery was the first.
    """

    def __init__(
        self,
        rooms: RoomRepository,
        presence: RoomPresence,
        fan_out: RoomFanOut,
        album_fan_out: AlbumFanOut,
        apply_once: ApplyOnce,
    ) -> None:
        self.rooms = rooms
        self.presence = presence
        self.fan_out = fan_out
        self.album_fan_out = album_fan_out
        self.apply_once = apply_once

    async def to_album_rooms(self, envelope: Envelope, event: Event) -> None:
        """Show a rating, a review or a new average in the rooms about its album."""
        frame: EventFrame
        match event:
            case RatingChanged() | RatingChangedV2():
                frame = rating_changed_frame(envelope.id, event)
            case AlbumAggregateChanged():
                frame = album_updated_frame(envelope.id, event)
            case ReviewPosted():
                frame = review_posted_frame(envelope.id, event)
            case _:
                return
        # The trace goes along so the push to each member joins the event's trace.
        await self.album_fan_out.publish_to_album(event.album_id, frame, trace=current_trace_headers())

    async def friend_accepted(self, envelope: Envelope, event: FriendAccepted) -> None:
        if not await self.apply_once(envelope, event):
            return
        friends = {event.sender_id, event.receiver_id}
        for room in await self.rooms.open_rooms():
            if friends & await self.presence.member_ids(room.id):
                await self.fan_out.publish(room.id, friend_accepted_frame(envelope.id, event))
