"""What the analytics consumer reads: its own groups, so the services' groups never notice it."""

from collections.abc import Awaitable, Callable

from analytics.store import AnalyticsStore
from chorus_backbone import mongo
from chorus_backbone.consumer import EventConsumer, EventHandler
from chorus_backbone.inbox import ProcessedEvents
from chorus_backbone.runtime import Runtime
from chorus_schemas import Envelope, Event, Topic
from chorus_schemas.events.forums import MemberJoined, MessagePosted, RoomOpened
from chorus_schemas.events.ratings import AlbumAdded, RatingChanged


def _counted(
    inbox: ProcessedEvents, count: Callable[[Envelope, Event, mongo.Session], Awaitable[None]]
) -> EventHandler:
    """Count each event once: a redelivery or a replay of the topic changes nothing."""

    async def handle(envelope: Envelope, event: Event) -> None:
        await inbox.apply_once(envelope, lambda session: count(envelope, event, session))

    return handle


def ratings_consumer(runtime: Runtime, store: AnalyticsStore, inbox: ProcessedEvents) -> EventConsumer:
    async def album_added(envelope: Envelope, event: Event, session: mongo.Session) -> None:
        assert isinstance(event, AlbumAdded)
        await store.name("album", event.album_id, f"{event.title} — {event.artist}", session=session)

    async def rating_changed(envelope: Envelope, event: Event, session: mongo.Session) -> None:
        assert isinstance(event, RatingChanged)
        await store.count_rating(event.album_id, envelope.time, session=session)

    return runtime.consumer(
        Topic.RATINGS_EVENTS,
        "ratings",
        {
            AlbumAdded: _counted(inbox, album_added),
            RatingChanged: _counted(inbox, rating_changed),
        },
    )


def rooms_consumer(runtime: Runtime, store: AnalyticsStore, inbox: ProcessedEvents) -> EventConsumer:
    async def room_opened(envelope: Envelope, event: Event, session: mongo.Session) -> None:
        assert isinstance(event, RoomOpened)
        await store.name("room", event.room_id, event.title, session=session)

    async def message_posted(envelope: Envelope, event: Event, session: mongo.Session) -> None:
        assert isinstance(event, MessagePosted)
        await store.count_room(event.room_id, envelope.time, "messages", session=session)

    async def member_joined(envelope: Envelope, event: Event, session: mongo.Session) -> None:
        assert isinstance(event, MemberJoined)
        await store.count_room(event.room_id, envelope.time, "joins", session=session)

    return runtime.consumer(
        Topic.FORUMS_EVENTS,
        "rooms",
        {
            RoomOpened: _counted(inbox, room_opened),
            MessagePosted: _counted(inbox, message_posted),
            MemberJoined: _counted(inbox, member_joined),
        },
    )
