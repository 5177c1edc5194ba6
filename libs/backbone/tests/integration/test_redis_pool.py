"""The waiting Redis pool, on a real Redis: callers wait for a connection, in the order they asked."""

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from chorus_backbone.redis_pool import waiting_redis
from chorus_devinfra.pytest_plugin import Namespace

pytestmark = pytest.mark.integration


async def test_waiting_callers_get_the_connection_in_the_order_they_asked(namespace: Namespace) -> None:
    redis = waiting_redis(namespace.redis_url, max_connections=1, wait_seconds=5)
    pool = redis.connection_pool
    served: list[str] = []

    async def caller(name: str) -> None:
        connection = await pool.get_connection()
        served.append(name)
        await asyncio.sleep(0.01)
        await pool.release(connection)

    held = await pool.get_connection()
    first = asyncio.create_task(caller("first"))
    second = asyncio.create_task(caller("second"))
    await asyncio.sleep(0.05)  # both wait now
    # A newcomer that asks just as the connection comes back, before the first waiter has
    # woken: redis-py's own waiting pool gives it the connection ahead of both.
    late = asyncio.create_task(caller("late"))
    await pool.release(held)
    await asyncio.gather(first, second, late)

    assert served == ["first", "second", "late"]
    assert await redis.ping()
    await redis.aclose()


async def test_a_caller_waits_at_most_its_bound_then_hears_no_connection_is_available(
    namespace: Namespace,
) -> None:
    redis = waiting_redis(namespace.redis_url, max_connections=1, wait_seconds=0.2)
    pool = redis.connection_pool
    held = await pool.get_connection()

    with pytest.raises(RedisConnectionError):
        await redis.ping()

    await pool.release(held)
    assert await redis.ping()  # the turn given up by the caller that timed out is not lost
    assert await redis.ping()
    await redis.aclose()


async def test_a_connection_that_cannot_be_made_gives_its_turn_back(namespace: Namespace) -> None:
    redis = waiting_redis("redis://127.0.0.1:1/0", max_connections=1, wait_seconds=0.5)
    for _ in range(3):  # each failure returns its turn: the third still gets to try
        with pytest.raises(RedisConnectionError):
            await redis.ping()
    await redis.aclose()
