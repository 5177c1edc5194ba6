"""The reviews service's HTTP application."""

from fastapi import FastAPI

from chorus_backbone.app import create_service_app
from reviews.bootstrap import bootstrap
from reviews.settings import ReviewsSettings


def create_app(settings: ReviewsSettings | None = None) -> FastAPI:
    runtime = bootstrap(settings or ReviewsSettings())
    return create_service_app(runtime, title="Chorus reviews")
