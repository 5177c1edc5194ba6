"""Brute-force protection: failed sign-ins counted per account and per client address."""

import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis

from chorus_backbone.errors import ChorusError, ErrorKind


class SignInGuard:
    """Refuses sign-in for an account or address that failed too often in the window."""

    def __init__(
        self,
        redis: Redis,
        redis_url: str,
        *,
        key_prefix: str,
        per_account: int,
        per_address: int,
        window_seconds: int,
    ) -> None:
        self.storage = RedisStorage(
            redis_url.replace("redis://", "async+redis://", 1),
            implementation="redispy",
            key_prefix=f"{key_prefix}signin",
            # The service's own pool: one set of connections, closed with the service.
            # (limits types **options narrowly; redis-py takes a pool here.)
            connection_pool=redis.connection_pool,  # type: ignore[arg-type]
        )
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.account_limit = RateLimitItemPerSecond(per_account, window_seconds)
        self.address_limit = RateLimitItemPerSecond(per_address, window_seconds)

    async def check(self, account: str, address: str) -> None:
        for limit, scope, key in (
            (self.account_limit, "account", account),
            (self.address_limit, "address", address),
        ):
            if not await self.limiter.test(limit, scope, key):
                stats = await self.limiter.get_window_stats(limit, scope, key)
                raise ChorusError(
                    ErrorKind.RATE_LIMITED,
                    "too_many_failed_signins",
                    "too many failed sign-ins; wait before trying again",
                    retry_after_seconds=max(1, int(stats.reset_time - time.time()) + 1),
                )

    async def record_failure(self, account: str, address: str) -> None:
        await self.limiter.hit(self.account_limit, "account", account)
        await self.limiter.hit(self.address_limit, "address", address)

    async def record_success(self, account: str) -> None:
        await self.limiter.clear(self.account_limit, "account", account)
