"""The analytics consumer as a service: health, metrics and consumer lag like every other."""

from fastapi import FastAPI

from analytics.consumers import Analytics, ratings_consumer, rooms_consumer
from analytics.settings import AnalyticsSettings
from analytics.store import AnalyticsStore
from chorus_backbone.app import create_service_app
from chorus_backbone.inbox import ProcessedEvents
from chorus_backbone.runtime import Runtime


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    runtime = Runtime.from_settings(settings or AnalyticsSettings())
    analytics = Analytics(
        runtime=runtime,
        store=AnalyticsStore(runtime.database),
        inbox=ProcessedEvents(runtime.mongo_client, runtime.database, consumer="analytics"),
    )
    runtime.add_consumer(ratings_consumer(analytics))
    runtime.add_consumer(rooms_consumer(analytics))

    async def create_indexes(_: Runtime) -> None:
        await analytics.store.ensure_indexes()
        await analytics.inbox.ensure_indexes()

    return create_service_app(runtime, title="Chorus analytics", on_prepare=create_indexes)
