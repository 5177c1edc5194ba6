"""Composition root: builds the analytics consumer from settings."""

from dataclasses import dataclass

from analytics.counting import Counting
from analytics.events.subscribers import ratings_consumer, rooms_consumer
from analytics.settings import AnalyticsSettings
from analytics.store import AnalyticsStore
from chorus_backbone.inbox import ProcessedEvents
from chorus_backbone.runtime import Runtime


@dataclass
class Analytics:
    """The connections, the counters' store and the inbox that counts each event once."""

    runtime: Runtime
    store: AnalyticsStore
    inbox: ProcessedEvents

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes()
        await self.inbox.ensure_indexes()


def bootstrap(settings: AnalyticsSettings) -> Analytics:
    runtime = Runtime.from_settings(settings)
    store = AnalyticsStore(runtime.database)
    inbox = ProcessedEvents(runtime.mongo_client, runtime.database, consumer="analytics")
    counting = Counting(runtime.mongo_client, store, inbox)
    runtime.add_consumer(ratings_consumer(runtime, counting, gather_ms=settings.gather_ms))
    runtime.add_consumer(rooms_consumer(runtime, counting, gather_ms=settings.gather_ms))
    return Analytics(runtime=runtime, store=store, inbox=inbox)
