import contextlib
import os
from collections.abc import AsyncIterator

import pytest

from analytics.api.app import create_app
from analytics.settings import AnalyticsSettings
from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.serving import serving


@pytest.fixture
def analytics_settings(namespace: Namespace) -> AnalyticsSettings:
    return namespace.settings(AnalyticsSettings)


@pytest.fixture
def analytics_env(analytics_settings: AnalyticsSettings) -> dict[str, str]:
    """The environment `chorus-analytics report` reads its store from."""
    names = ["mongodb_url", "mongodb_database"]
    return {
        **os.environ,
        **{f"CHORUS_ANALYTICS_{n}".upper(): str(getattr(analytics_settings, n)) for n in names},
    }


@pytest.fixture
def analytics_consumer(analytics_settings: AnalyticsSettings) -> contextlib.AbstractAsyncContextManager[str]:
    """Starts the analytics consumer when entered (tests choose when it starts)."""

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[str]:
        async with serving(create_app(analytics_settings)) as url:
            yield url

    return running()
