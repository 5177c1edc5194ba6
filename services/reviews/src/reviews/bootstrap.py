"""Composition root: builds the reviews service's runtime from settings."""

from chorus_backbone.runtime import Runtime
from reviews.settings import ReviewsSettings


def bootstrap(settings: ReviewsSettings) -> Runtime:
    return Runtime.from_settings(settings)
