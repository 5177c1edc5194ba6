"""Composition root: builds the reviews service from settings."""

from dataclasses import dataclass

from chorus_backbone.inbox import ProcessedEvents
from chorus_backbone.projection import LiveProjection
from chorus_backbone.runtime import Runtime
from reviews.projection import PEOPLE_PROJECTION
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
    people: LiveProjection[MongoPeopleProjection]
    processed_commands: ProcessedEvents

    async def ensure_indexes(self) -> None:
        await self.albums.ensure_indexes()
        await self.ratings.ensure_indexes()
        await self.people.ensure_indexes()
        await self.processed_commands.ensure_indexes()


def bootstrap(settings: ReviewsSettings) -> ReviewsService:
    runtime = Runtime.from_settings(settings)
    database = runtime.database
    return ReviewsService(
        settings=settings,
        runtime=runtime,
        albums=MongoAlbumRepository(database),
        ratings=MongoRatingRepository(database),
        people=LiveProjection(runtime.mongo_client, database, PEOPLE_PROJECTION),
        processed_commands=ProcessedEvents(runtime.mongo_client, database, consumer="rating-commands"),
    )
