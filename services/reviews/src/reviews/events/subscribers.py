"""Subscribers: users.events into the people projection; rating commands into ratings."""

from chorus_backbone.batch_consumer import BatchEventConsumer, Delivery
from chorus_backbone.consumer import EventConsumer, EventHandler
from chorus_backbone.projection import LiveProjection
from chorus_backbone.runtime import Runtime
from chorus_schemas import Envelope, Event, Topic
from chorus_schemas.events.ratings import RatingChangedV2, UpdateRatingRequested, UpdateRatingRequestedV2
from reviews.handlers.aggregates import AlbumAggregates
from reviews.handlers.ratings import RatingCommand, Ratings
from reviews.projection import PEOPLE_PROJECTION
from reviews.store.people import MongoPeopleProjection


def people_consumer(runtime: Runtime, people: LiveProjection[MongoPeopleProjection]) -> EventConsumer:
    """Usernames for display and the friend graph for the feed."""
    [source] = PEOPLE_PROJECTION.sources
    handlers: dict[type[Event], EventHandler] = dict.fromkeys(source.changes, people.handler())
    return runtime.consumer(Topic.USERS_EVENTS, source.group, handlers)


def rating_commands_consumer(runtime: Runtime, ratings: Ratings) -> EventConsumer:
    """UpdateRatingRequested: the event path that replaces the PATCH endpoint."""

    async def on_update_rating_requested(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, UpdateRatingRequested | UpdateRatingRequestedV2)
        command = RatingCommand(
            rating_id=event.rating_id,
            score=event.score,
            delete=event.delete,
            album_id=getattr(event, "album_id", None),
            user_id=getattr(event, "user_id", None),
        )
        await ratings.apply_requested(envelope, command)

    # Every version still on the topic is accepted.
    handlers: dict[type[Event], EventHandler] = {
        UpdateRatingRequested: on_update_rating_requested,
        UpdateRatingRequestedV2: on_update_rating_requested,
    }
    return runtime.consumer(Topic.RATINGS_COMMANDS, "rating-commands", handlers)


def aggregates_consumer(
    runtime: Runtime, aggregates: AlbumAggregates, *, gather_ms: int
) -> BatchEventConsumer:
    """Every rating change folded into its album's aggregate, a gathered batch at a time."""

    async def on_rating_changes(batch: list[Delivery]) -> None:
        await aggregates.fold([(d.envelope, d.event) for d in batch if isinstance(d.event, RatingChangedV2)])

    return runtime.batch_consumer(
        Topic.RATINGS_EVENTS, "album-aggregates", [RatingChangedV2], on_rating_changes, gather_ms=gather_ms
    )
