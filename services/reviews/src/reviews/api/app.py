"""The reviews service's HTTP application."""

from fastapi import FastAPI

from chorus_backbone.app import create_service_app
from chorus_backbone.runtime import Runtime
from reviews.api.routes import compat, music, reviews
from reviews.bootstrap import bootstrap
from reviews.settings import ReviewsSettings


def create_app(settings: ReviewsSettings | None = None) -> FastAPI:
    service = bootstrap(settings or ReviewsSettings())

    async def on_prepare(_: Runtime) -> None:
        await service.ensure_indexes()

    async def on_start(_: Runtime) -> None:
        if service.settings.load_starter_catalog:
            await service.catalog.load_starter_catalog()

    app = create_service_app(
        service.runtime,
        title="Chorus reviews",
        routers=[music.router, reviews.router, compat.router],
        on_start=on_start,
        on_prepare=on_prepare,
        optional=frozenset({"redis"}),  # only the page cache lives there
    )
    app.state.reviews = service
    app.state.catalog = service.catalog
    app.state.ratings = service.ratings
    app.state.reading = service.reading
    app.state.pages = service.pages
    return app
