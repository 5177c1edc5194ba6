"""Subscribers: turn ratings.events and users.events into projection changes and room frames."""

from chorus_backbone.consumer import EventConsumer
from chorus_backbone.projection import LiveProjection
from chorus_backbone.runtime import Runtime
from chorus_schemas import Envelope, Event, Topic
from chorus_schemas.events.ratings import AlbumAdded, RatingChanged, ReviewPosted
from chorus_schemas.events.users import FriendAccepted, FriendRemoved
from forums.handlers.room_events import RoomEvents
from forums.store.projections import MongoForumProjections


def ratings_consumer(
    runtime: Runtime, projections: LiveProjection[MongoForumProjections], room_events: RoomEvents
) -> EventConsumer:
    """Album titles and averages for discovery; rating and review events into album rooms."""

    async def on_rating_changed(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, RatingChanged)
        await room_events.rating_changed(envelope, event)

    async def on_review_posted(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, ReviewPosted)
        await room_events.review_posted(event)

    return runtime.consumer(
        Topic.RATINGS_EVENTS,
        "ratings",
        {AlbumAdded: projections.handler(), RatingChanged: on_rating_changed, ReviewPosted: on_review_posted},
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
