"""Subscribers: users.events into the people projection; rating commands into ratings."""

from chorus_backbone import mongo
from chorus_backbone.consumer import EventConsumer, EventHandler
from chorus_schemas import Envelope, Event, Topic
from chorus_schemas.events.ratings import UpdateRatingRequested, UpdateRatingRequestedV2
from reviews.bootstrap import ReviewsService
from reviews.handlers.ratings import RatingCommand, apply_command_in
from reviews.projection import PEOPLE_PROJECTION


def people_consumer(service: ReviewsService) -> EventConsumer:
    """Usernames for display and the friend graph for the feed."""
    [source] = PEOPLE_PROJECTION.sources
    handlers: dict[type[Event], EventHandler] = dict.fromkeys(source.changes, service.people.handler())
    return service.runtime.consumer(Topic.USERS_EVENTS, source.group, handlers)


def rating_commands_consumer(service: ReviewsService) -> EventConsumer:
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

        async def update(session: mongo.Session) -> None:
            await apply_command_in(service, command, session)

        if await service.processed_commands.apply_once(envelope, update):
            service.runtime.relay.notify()

    # Every version still on the topic is accepted.
    handlers: dict[type[Event], EventHandler] = {
        UpdateRatingRequested: on_update_rating_requested,
        UpdateRatingRequestedV2: on_update_rating_requested,
    }
    return service.runtime.consumer(Topic.RATINGS_COMMANDS, "rating-commands", handlers)
