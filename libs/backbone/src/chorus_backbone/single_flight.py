"""One read for many callers: those who ask for the same key while it is being read share it.

A crowd joining one room at once asks for the same room and the same member list a
thousand times within a few milliseconds; each answer is as fresh as a read of its
own (it started after the caller asked), and the store sees one read per key at a time.
"""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self, read: Callable[[K], Awaitable[V]]) -> None:
        self._read = read
        self._reading: dict[K, asyncio.Future[V]] = {}

    async def get(self, key: K) -> V:
        reading = self._reading.get(key)
        if reading is None:
            reading = self._reading[key] = asyncio.ensure_future(self._read(key))
            reading.add_done_callback(lambda _: self._reading.pop(key, None))
        # A caller that goes away does not cancel the read the others wait for.
        return await asyncio.shield(reading)
