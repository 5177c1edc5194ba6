"""Hot reads from Redis, kept current by the service that owns the data.

Each cached page belongs to a scope ("album:7", "catalog") with a version in Redis.
The owner bumps a scope's version after it commits a change; readers look up the
page stored under the version they read, so a page computed from data older than
a bump is never served after it (it sits under a version nobody asks for until its
time-to-live ends). A lookup is one round trip (a small script reads the version and
the page together).

Redis is a cache here, never the truth: when it is away, every lookup is a miss and
every store and bump is skipped, and the service answers from MongoDB.
"""

import logging
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chorus_backbone import metrics

logger = logging.getLogger(__name__)

_LOOKUP = """
local version = redis.call('GET', KEYS[1]) or '0'
return {version, redis.call('GET', KEYS[1] .. ':' .. version .. ':' .. ARGV[1])}
"""
_WARN_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class CachedPage:
    version: str
    body: bytes | None


class PageCache:
    """Pages of one service, under ``prefix``, expiring after ``ttl_seconds`` at the latest."""

    def __init__(self, redis: Redis, *, name: str, prefix: str, ttl_seconds: int = 60) -> None:
        self.redis = redis
        self.name = name
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds
        self._lookup = redis.register_script(_LOOKUP)
        self._warned_at = 0.0

    def _scope(self, scope: str) -> str:
        return f"{self.prefix}page:{scope}"

    async def get(self, scope: str, key: str) -> CachedPage:
        """The page under the scope's current version (``body`` None on a miss)."""
        try:
            version, body = await self._lookup(keys=[self._scope(scope)], args=[key])
        except RedisError as error:
            self._warn(error)
            return CachedPage("unavailable", None)
        metrics.CACHE_LOOKUPS.labels(self.name, "hit" if body is not None else "miss").inc()
        return CachedPage(version.decode() if isinstance(version, bytes) else str(version), body)

    async def put(self, scope: str, page: CachedPage, key: str, body: bytes) -> None:
        """Keep ``body`` under the version the page was looked up at."""
        if page.version == "unavailable":
            return
        try:
            await self.redis.set(f"{self._scope(scope)}:{page.version}:{key}", body, ex=self.ttl_seconds)
        except RedisError as error:
            self._warn(error)

    async def bump(self, *scopes: str) -> None:
        """Pages of these scopes are out of date: the next lookups miss."""
        if not scopes:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipeline:
                for scope in scopes:
                    pipeline.incr(self._scope(scope))
                await pipeline.execute()
        except RedisError as error:
            # Without the bump a page may be served until its time-to-live ends.
            self._warn(error)

    def _warn(self, error: RedisError) -> None:
        metrics.CACHE_LOOKUPS.labels(self.name, "unavailable").inc()
        now = time.monotonic()
        if now - self._warned_at > _WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning("page cache unavailable (%r); answering from the database", error)
