"""Subscribers: turn ratings.events and users.events into projection changes and room frames."""

from chorus_backbone.batch_consumer import BatchEventConsumer, Delivery
from chorus_backbone.consumer import EventConsumer
from chorus_backbone.projection import LiveProjection
from chorus_backbone.runtime import Runtime
from chorus_schemas import Envelope, Event, Topic
from chorus_schemas.events.ratings import (
    AlbumAdded,
    AlbumAggregateChanged,
    RatingChanged,
    RatingChangedV2,
    ReviewPosted,
)
from chorus_schemas.events.users import FriendAccepted, FriendRemoved
from forums.handlers.room_events import RoomEvents
from forums.store.ports import OpenRoomListing
from forums.store.projections import MongoForumProjections

# What the forums projection keeps of ratings.events (RatingChanged version 1 carried the average).
PROJECTED = (AlbumAdded, RatingChanged, AlbumAggregateChanged)


def ratings_consumer(
    runtime: Runtime,
    projections: LiveProjection[MongoForumProjections],
    room_events: RoomEvents,
    listing: OpenRoomListing,
) -> BatchEventConsumer:
    """Ratings, reviews and averages into album rooms at once; then titles and averages for discovery."""

    async def on_batch(batch: list[Delivery]) -> None:
        for delivery in batch:
            with delivery.traced():
                await room_events.to_album_rooms(delivery.envelope, delivery.event)
        if await projections.apply_many([(d.envelope, d.event) for d in batch if type(d.event) in PROJECTED]):
            await listing.changed()  # an average may have moved

    return runtime.batch_consumer(
        Topic.RATINGS_EVENTS, "ratings", [*PROJECTED, RatingChangedV2, ReviewPosted], on_batch
    )


def users_consumer(
    runtime: Runtime, projections: LiveProjection[MongoForumProjections], room_events: RoomEvents
) -> EventConsumer:
    """The friend graph for friends_in, and friend.accepted frames where either friend is."""

    async def on_friend_accepted(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, FriendAccepted)
        await room_events.friend_accepted(envelope, event)

    return runtime.consumer(
        Topic.USERS_EVENTS,
        "users",
        {FriendAccepted: on_friend_accepted, FriendRemoved: projections.handler()},
    )
