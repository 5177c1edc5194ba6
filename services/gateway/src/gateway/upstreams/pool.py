"""Where to send a request: registered instances (and static URLs), round robin, skipping failed ones.

The registered instances are held in memory and refreshed from the registry every
``refresh_seconds``: choosing an instance costs no round trip. When the registry
cannot be read (Redis away), the last known instances stay in use.
"""

import asyncio
import contextlib
import itertools
import logging
import time
import zlib

from redis.exceptions import RedisError

from gateway import metrics
from gateway.edge.routing import SERVICES
from gateway.upstreams.registry import RegistryStore

logger = logging.getLogger(__name__)


def rendezvous_order(instances: list[str], key: str) -> list[str]:
    """``instances`` by their weight for ``key``, highest first (the same everywhere, every run)."""
    return sorted(instances, key=lambda url: zlib.crc32(f"{key}|{url}".encode()), reverse=True)


class UpstreamPool:
    def __init__(
        self,
        store: RegistryStore,
        static: dict[str, list[str]],
        *,
        pause_seconds: float,
        refresh_seconds: float = 1.0,
    ) -> None:
        self.store = store
        self.static = static
        self.pause = pause_seconds
        self.refresh_seconds = refresh_seconds
        self._turns = itertools.count()
        self._failed_until: dict[str, float] = {}
        self._registered: dict[str, list[str]] | None = None
        # Every instance of each service, sorted: made at each refresh, read by every request.
        self._known: dict[str, list[str]] = {service: sorted(set(urls)) for service, urls in static.items()}
        for service in SERVICES:
            metrics.UPSTREAM_INSTANCES.labels(service).set(len(self._known.get(service, [])))
        self._task: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        """Read every service's live instances from the registry."""
        registered = {}
        for service in SERVICES:
            registered[service] = sorted((await self.store.live(service)).values())
        self._registered = registered
        self._known = {
            service: sorted(set(registered[service]) | set(self.static.get(service, [])))
            for service in SERVICES
        }
        for service in SERVICES:
            metrics.UPSTREAM_INSTANCES.labels(service).set(len(self._known[service]))

    async def instances(self, service: str) -> list[str]:
        if self._registered is None:
            with contextlib.suppress(RedisError):
                await self.refresh()
        return self._known.get(service, [])

    async def candidates(self, service: str, *, affinity: str | None = None) -> list[str]:
        """Instances to try in order: healthy ones first, recently failed ones last.

        Without ``affinity`` the order rotates round robin. With it (a live room's id), every
        gateway replica orders the instances the same way for the same key (rendezvous
        hashing): a room's members meet on one instance, which then alone writes the room's
        log, and only the rooms of an instance that leaves or joins move."""
        every = await self.instances(service)
        if not every:
            return []
        if affinity is None:
            start = next(self._turns) % len(every)
            rotated = every[start:] + every[:start]
        else:
            rotated = rendezvous_order(every, affinity)
        now = time.monotonic()
        healthy = [url for url in rotated if self._failed_until.get(url, 0) <= now]
        return healthy + [url for url in rotated if url not in healthy]

    def failed(self, url: str) -> None:
        self._failed_until[url] = time.monotonic() + self.pause

    def succeeded(self, url: str) -> None:
        self._failed_until.pop(url, None)

    async def _keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_seconds)
            try:
                await self.refresh()
            except RedisError:
                logger.debug("registry unreadable; keeping the instances known", exc_info=True)

    def start(self) -> None:
        self._task = asyncio.create_task(self._keep_fresh(), name="upstream-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
