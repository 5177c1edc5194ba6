"""The analytics consumer as a service: health, metrics and consumer lag like every other."""

from fastapi import FastAPI

from analytics.bootstrap import bootstrap
from analytics.settings import AnalyticsSettings
from chorus_backbone.app import create_service_app
from chorus_backbone.runtime import Runtime


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    analytics = bootstrap(settings or AnalyticsSettings())

    async def create_indexes(_: Runtime) -> None:
        await analytics.ensure_indexes()

    return create_service_app(analytics.runtime, title="Chorus analytics", on_prepare=create_indexes)
