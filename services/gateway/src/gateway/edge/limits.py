"""Requests per minute per client address and per signed-in user, counted in the process.

Each gateway replica counts its own requests and decides at once: no Redis round trip
on the request's way. Every ``sync_seconds`` it adds what it counted to a shared
counter in Redis and reads back the total, so a client spread over N replicas gets
one shared limit, overshot by at most what the other replicas admitted since their
last sync ((N - 1) x rate x ``sync_seconds``). Without Redis each replica keeps
limiting on its own counts.

Windows are a minute long and slide: the estimate is the previous minute's total
weighted by how much of it still overlaps, plus this minute's (the sliding window
counter of the ``limits`` library, with its counts kept here).
"""

import asyncio
import contextlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chorus_backbone.errors import ChorusError, ErrorKind
from gateway import metrics

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@dataclass
class _Count:
    window: int  # minute number since the epoch
    shared: int = 0  # this window's total across replicas, as of the last sync
    unsynced: int = 0  # admitted here since the last sync
    previous: int = 0  # the previous window's total


class _Limit:
    """One limit (per address, or per user): counts by key, at most ``capacity`` keys."""

    def __init__(self, scope: str, per_minute: int, capacity: int) -> None:
        self.scope = scope
        self.per_minute = per_minute
        self.capacity = capacity
        self.counts: OrderedDict[str, _Count] = OrderedDict()
        self.touched: set[str] = set()  # keys asked about since the last sync

    def hit(self, key: str, now: float) -> float | None:
        """Count a request; None when admitted, else the seconds until one would be."""
        window = int(now // WINDOW_SECONDS)
        count = self.counts.get(key)
        if count is None or count.window < window - 1:
            count = _Count(window)
        elif count.window == window - 1:
            count = _Count(window, previous=count.shared + count.unsynced)
        self.counts[key] = count
        self.counts.move_to_end(key)
        self.touched.add(key)
        if len(self.counts) > self.capacity:
            self.counts.popitem(last=False)
        elapsed = now - window * WINDOW_SECONDS
        current = count.shared + count.unsynced
        estimate = count.previous * (1 - elapsed / WINDOW_SECONDS) + current
        if estimate < self.per_minute:
            count.unsynced += 1
            return None
        if current >= self.per_minute or not count.previous:
            return WINDOW_SECONDS - elapsed
        # The previous minute's weight fades: wait until enough of it has.
        return max(0.0, (1 - (self.per_minute - current) / count.previous) * WINDOW_SECONDS - elapsed)


class EdgeLimiter:
    """Limits per address and per user, decided in process and shared through Redis."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        per_address: int,
        per_user: int,
        sync_seconds: float = 0.5,
        capacity: int = 200_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis
        self.prefix = f"{prefix}limits:"
        self.sync_seconds = sync_seconds
        self.clock = clock
        self.limits = (_Limit("address", per_address, capacity), _Limit("user", per_user, capacity))
        self._task: asyncio.Task[None] | None = None
        self._warned_at = 0.0
        self.shared = True  # whether the last sync reached Redis

    def admit(self, address: str, user: str | None) -> None:
        """Count a request; 429 (ChorusError) with the wait when a limit is reached."""
        now = self.clock()
        by_address, by_user = self.limits
        for limit, key in ((by_address, address), (by_user, user)):
            if key is None:
                continue
            wait = limit.hit(key, now)
            if wait is not None:
                metrics.RATE_LIMITED.labels(limit.scope).inc()
                raise ChorusError(
                    ErrorKind.RATE_LIMITED,
                    "rate_limited",
                    f"too many requests from this {limit.scope}; slow down",
                    retry_after_seconds=max(1, math.ceil(wait)),
                )

    async def sync(self) -> None:
        """Add this replica's counts to the shared ones and read back the totals of the keys in use."""
        taken = [(limit, limit.touched) for limit in self.limits]
        for limit in self.limits:
            limit.touched = set()
        pending: list[tuple[_Count, int]] = []
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for limit, keys in taken:
                    for key in keys:
                        if (count := limit.counts.get(key)) is None:
                            continue
                        name = f"{self.prefix}{limit.scope}:{key}:{count.window}"
                        pipe.incrby(name, count.unsynced)
                        pipe.expire(name, 2 * WINDOW_SECONDS)
                        pending.append((count, count.unsynced))
                replies = await pipe.execute() if pending else []
        except RedisError:
            for limit, keys in taken:  # tried again at the next sync
                limit.touched |= keys
            raise
        for (count, sent), total in zip(pending, replies[::2], strict=True):
            # Requests admitted while the sync was on its way stay counted for the next one.
            count.shared, count.unsynced = int(total), count.unsynced - sent

    async def _keep_in_sync(self) -> None:
        while True:
            await asyncio.sleep(self.sync_seconds)
            try:
                await self.sync()
                self.shared = True
            except RedisError as error:
                self.shared = False
                if time.monotonic() - self._warned_at > 30:
                    self._warned_at = time.monotonic()
                    logger.warning("rate limits counted per replica only: Redis is away (%r)", error)

    def start(self) -> None:
        self._task = asyncio.create_task(self._keep_in_sync(), name="edge-limits-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
