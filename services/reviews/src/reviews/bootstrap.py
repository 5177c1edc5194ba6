"""Composition root: builds the reviews service from settings."""

from dataclasses import dataclass

from chorus_backbone.inbox import ProcessedEvents
from chorus_backbone.page_cache import PageCache
from chorus_backbone.projection import LiveProjection
from chorus_backbone.runtime import Runtime
from reviews.events.subscribers import aggregates_consumer, people_consumer, rating_commands_consumer
from reviews.handlers.aggregates import AlbumAggregates
from reviews.handlers.catalog import Catalog
from reviews.handlers.ratings import Ratings
from reviews.handlers.reading import Reading
from reviews.projection import PEOPLE_PROJECTION
from reviews.settings import ReviewsSettings
from reviews.store.albums import MongoAlbumRepository
from reviews.store.pages import CatalogPages
from reviews.store.people import LivePeopleDirectory, MongoPeopleProjection
from reviews.store.ratings import MongoRatingRepository


@dataclass
class ReviewsService:
    """The service's parts and its handlers, built once per process."""

    settings: ReviewsSettings
    runtime: Runtime
    albums: MongoAlbumRepository
    ratings_store: MongoRatingRepository
    people: LiveProjection[MongoPeopleProjection]
    processed_commands: ProcessedEvents
    aggregates_inbox: ProcessedEvents
    pages: PageCache
    catalog: Catalog
    ratings: Ratings
    reading: Reading
    aggregates: AlbumAggregates

    async def ensure_indexes(self) -> None:
        await self.albums.ensure_indexes()
        await self.ratings_store.ensure_indexes()
        await self.people.ensure_indexes()
        await self.processed_commands.ensure_indexes()
        await self.aggregates_inbox.ensure_indexes()


def bootstrap(settings: ReviewsSettings) -> ReviewsService:
    runtime = Runtime.from_settings(settings)
    database = runtime.database
    albums = MongoAlbumRepository(database)
    ratings = MongoRatingRepository(database)
    people = LiveProjection(runtime.mongo_client, database, PEOPLE_PROJECTION)
    processed_commands = ProcessedEvents(runtime.mongo_client, database, consumer="rating-commands")
    aggregates_inbox = ProcessedEvents(runtime.mongo_client, database, consumer="album-aggregates")
    pages = PageCache(
        runtime.redis,
        name="reviews",
        prefix=f"{settings.redis_key_prefix}reviews:",
        ttl_seconds=settings.page_cache_seconds,
    )
    invalidation = CatalogPages(pages)
    service = ReviewsService(
        settings=settings,
        runtime=runtime,
        albums=albums,
        ratings_store=ratings,
        people=people,
        processed_commands=processed_commands,
        aggregates_inbox=aggregates_inbox,
        pages=pages,
        catalog=Catalog(albums, runtime.unit_of_work, invalidation),
        ratings=Ratings(albums, ratings, runtime.unit_of_work, processed_commands),
        reading=Reading(albums, ratings, LivePeopleDirectory(people)),
        aggregates=AlbumAggregates(albums, runtime.unit_of_work, aggregates_inbox, invalidation),
    )
    runtime.add_consumer(people_consumer(runtime, people))
    runtime.add_consumer(rating_commands_consumer(runtime, service.ratings))
    runtime.add_consumer(
        aggregates_consumer(runtime, service.aggregates, gather_ms=settings.aggregate_gather_ms)
    )
    return service
