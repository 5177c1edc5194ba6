from collections.abc import AsyncIterator

import pytest

from chorus_backbone import mongo
from chorus_devinfra.pytest_plugin import Namespace


@pytest.fixture
async def mongo_client(namespace: Namespace) -> AsyncIterator[mongo.MongoClient]:
    client = mongo.connect(namespace.mongo_url, app_name="backbone-tests")
    yield client
    await client.drop_database(namespace.database)
    await client.close()


@pytest.fixture
def database(mongo_client: mongo.MongoClient, namespace: Namespace) -> mongo.Database:
    return mongo_client[namespace.database]
