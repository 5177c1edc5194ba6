from collections.abc import AsyncIterator

import httpx
import pytest

from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.serving import serving
from reviews.api.app import create_app
from reviews.settings import ReviewsSettings
from reviews.testing import ReviewsApi


@pytest.fixture
def reviews_settings(namespace: Namespace) -> ReviewsSettings:
    return namespace.settings(
        ReviewsSettings,
        load_starter_catalog=False,
        consumer_max_attempts=2,
        consumer_backoff_initial_seconds=0.01,
        consumer_backoff_max_seconds=0.05,
    )


@pytest.fixture
async def reviews_api(reviews_settings: ReviewsSettings) -> AsyncIterator[ReviewsApi]:
    async with (
        serving(create_app(reviews_settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as client,
    ):
        yield ReviewsApi(client, reviews_settings)
