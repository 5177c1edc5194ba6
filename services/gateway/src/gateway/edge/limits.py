"""Requests per minute per client address and per signed-in user, before anything reaches a service."""

import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import Redis

from chorus_backbone.errors import ChorusError, ErrorKind
from gateway import metrics


class EdgeLimiter:
    """Requests per minute per client address and per signed-in user, counted in Redis."""

    def __init__(self, redis: Redis, redis_url: str, *, prefix: str, per_address: int, per_user: int) -> None:
        storage = RedisStorage(
            redis_url.replace("redis://", "async+redis://", 1),
            implementation="redispy",
            key_prefix=f"{prefix}edge",
            # The gateway's own pool (limits types **options narrowly; redis-py takes a pool).
            connection_pool=redis.connection_pool,  # type: ignore[arg-type]
        )
        # Two counters per key and window, whatever the limit: a moving window keeps one
        # entry per request, and its cost grew with the limit (at high limits it was
        # most of the gateway's time per request).
        self.limiter = SlidingWindowCounterRateLimiter(storage)
        self.per_address = RateLimitItemPerMinute(per_address)
        self.per_user = RateLimitItemPerMinute(per_user)

    async def admit(self, address: str, user: str | None) -> None:
        checks = [(self.per_address, "address", address)]
        if user is not None:
            checks.append((self.per_user, "user", user))
        for limit, scope, key in checks:
            if not await self.limiter.hit(limit, scope, key):
                metrics.RATE_LIMITED.labels(scope).inc()
                stats = await self.limiter.get_window_stats(limit, scope, key)
                raise ChorusError(
                    ErrorKind.RATE_LIMITED,
                    "rate_limited",
                    f"too many requests from this {scope}; slow down",
                    retry_after_seconds=max(1, int(stats.reset_time - time.time()) + 1),
                )
