"""Where to send a request: registered instances (and static URLs), round robin, skipping failed ones."""

import itertools
import time

from gateway import metrics
from gateway.upstreams.registry import RegistryStore


class UpstreamPool:
    def __init__(self, store: RegistryStore, static: dict[str, list[str]], *, pause_seconds: float) -> None:
        self.store = store
        self.static = static
        self.pause = pause_seconds
        self._turns = itertools.count()
        self._failed_until: dict[str, float] = {}

    async def instances(self, service: str) -> list[str]:
        registered = sorted((await self.store.live(service)).values())
        return sorted(set(registered) | set(self.static.get(service, [])))

    async def candidates(self, service: str) -> list[str]:
        """Instances to try in order: healthy ones rotated round robin, recently failed ones last."""
        every = await self.instances(service)
        metrics.UPSTREAM_INSTANCES.labels(service).set(len(every))
        if not every:
            return []
        start = next(self._turns) % len(every)
        rotated = every[start:] + every[:start]
        now = time.monotonic()
        healthy = [url for url in rotated if self._failed_until.get(url, 0) <= now]
        return healthy + [url for url in rotated if url not in healthy]

    def failed(self, url: str) -> None:
        self._failed_until[url] = time.monotonic() + self.pause

    def succeeded(self, url: str) -> None:
        self._failed_until.pop(url, None)
