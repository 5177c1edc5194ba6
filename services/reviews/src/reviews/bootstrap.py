"""Composition root: builds the reviews service from settings."""

from dataclasses import dataclass

from chorus_backbone.inbox import ProcessedEvents
from chorus_backbone.runtime import Runtime
from reviews.settings import ReviewsSettings
from reviews.store.albums import MongoAlbumRepository
from reviews.store.people import MongoPeopleProjection
from reviews.store.ratings import MongoRatingRepository


@dataclass
class ReviewsService:
    """Everything the handlers use, built once per process."""

    settings: ReviewsSettings
    runtime: Runtime
    albums: MongoAlbumRepository
    ratings: MongoRatingRepository
    people: MongoPeopleProjection
    processed_user_events: ProcessedEvents
    processed_commands: ProcessedEvents

    async def ensure_indexes(self) -> None:
        await self.albums.ensure_indexes()
        await self.ratings.ensure_indexes()
        await self.people.ensure_indexes()
        await self.processed_user_events.ensure_indexes()


def bootstrap(settings: ReviewsSettings) -> ReviewsService:
    runtime = Runtime.from_settings(settings)
    database = runtime.database
    return ReviewsService(
        settings=settings,
        runtime=runtime,
        albums=MongoAlbumRepository(database),
        ratings=MongoRatingRepository(database),
        people=MongoPeopleProjection(database),
        processed_user_events=ProcessedEvents(runtime.mongo_client, database, consumer="people"),
        processed_commands=ProcessedEvents(runtime.mongo_client, database, consumer="rating-commands"),
    )
