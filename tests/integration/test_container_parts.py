"""The container path: official images of Kafka, MongoDB and Redis through testcontainers."""

from collections.abc import Iterator

import pytest
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from chorus_backbone.topics import apply_topics, load_topics
from chorus_devinfra.containers import ContainerStack, running_containers

pytestmark = [pytest.mark.containers, pytest.mark.integration]


@pytest.fixture(scope="module")
def containers() -> Iterator[ContainerStack]:
    yield from running_containers(pytest.skip)


async def test_official_images_serve_topics_transactions_and_redis(
    containers: ContainerStack,
) -> None:
    report = await apply_topics(containers.kafka_bootstrap, load_topics())
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(containers.mongo_url("any"))
    redis = Redis.from_url(containers.redis_url)
    try:
        async with client.start_session() as session, await session.start_transaction():
            await client.probe.items.insert_one({"_id": 1}, session=session)
        assert await client.probe.items.count_documents({}) == 1
        assert await redis.ping()
    finally:
        await client.close()
        await redis.aclose()
    assert len(report.created) == len(load_topics())
