"""Subscribers: album averages and friendships into projections, and live event frames."""

from typing import Any

from chorus_backbone.consumer import EventConsumer
from chorus_backbone.tracing import current_trace_headers
from chorus_schemas import Envelope, Event, Topic
from chorus_schemas.events.ratings import AlbumAdded, RatingChanged, ReviewPosted
from chorus_schemas.events.users import FriendAccepted, FriendRemoved
from forums.bootstrap import ForumsService


async def _to_album_rooms(service: ForumsService, album_id: int, name: str, data: dict[str, Any]) -> None:
    # The trace goes along so the push to each member joins the event's trace.
    frame = {"type": "event", "name": name, "data": data, "trace": current_trace_headers()}
    for room in await service.rooms.open_rooms(album_id=album_id):
        await service.bus.publish(room.id, frame)


def ratings_consumer(service: ForumsService) -> EventConsumer:
    """Album titles and averages for discovery; rating and review events into album rooms."""
    projections = service.projections

    async def on_rating_changed(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, RatingChanged)
        if await projections.apply(envelope, event):
            await _to_album_rooms(service, event.album_id, "rating.changed", envelope.data)

    async def on_review_posted(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, ReviewPosted)
        await _to_album_rooms(service, event.album_id, "review.posted", envelope.data)

    return service.runtime.consumer(
        Topic.RATINGS_EVENTS,
        "ratings",
        {
            AlbumAdded: projections.handler(),
            RatingChanged: on_rating_changed,
            ReviewPosted: on_review_posted,
        },
    )


def users_consumer(service: ForumsService) -> EventConsumer:
    """The friend graph for friends_in, and friend.accepted frames where either friend is."""
    projections = service.projections

    async def on_friend_accepted(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, FriendAccepted)
        if not await projections.apply(envelope, event):
            return
        for room in await service.rooms.open_rooms():
            if {event.sender_id, event.receiver_id} & await service.presence.member_ids(room.id):
                await service.bus.publish(
                    room.id, {"type": "event", "name": "friend.accepted", "data": envelope.data}
                )

    return service.runtime.consumer(
        Topic.USERS_EVENTS,
        "users",
        {FriendAccepted: on_friend_accepted, FriendRemoved: projections.handler()},
    )
