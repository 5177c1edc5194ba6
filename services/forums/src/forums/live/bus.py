"""Room fan-out between forums replicas over Redis pub/sub.

A frame published for a room reaches every replica; each hands it to the members
connected to it. Pub/sub may lose frames to a replica that is briefly away or
deliver two publishers' frames out of order: message frames carry their id in
the room's log, and each member connection fills gaps from MongoDB and drops
repeats, so delivery to a member stays complete and in order.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from redis.asyncio import Redis

from chorus_schemas.live_room import ServerFrame

logger = logging.getLogger(__name__)

Deliver = Callable[[int, dict[str, Any], bytes], Awaitable[None]]


class RoomBus:
    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis = redis
        self.prefix = f"{prefix}room:"
        self._task: asyncio.Task[None] | None = None

    async def publish(
        self,
        room_id: int,
        frame: ServerFrame,
        *,
        origin: str | None = None,
        trace: Mapping[str, str] | None = None,
    ) -> None:
        """Send ``frame`` to the room on every replica; ``origin`` and ``trace`` travel beside it
        (the connection that should not get it back, the trace its pushes join) and are
        removed before any member sees the frame."""
        carried: dict[str, Any] = dict(frame)
        if origin is not None:
            carried["origin"] = origin
        if trace:
            carried["trace"] = dict(trace)
        await self.redis.publish(f"{self.prefix}{room_id}", orjson.dumps(carried))

    def start(self, deliver: Deliver) -> None:
        self._task = asyncio.create_task(self._listen(deliver), name="room-bus")

    async def _listen(self, deliver: Deliver) -> None:
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{self.prefix}*")
                    async for item in pubsub.listen():
                        if item["type"] != "pmessage":
                            continue
                        room_id = int(item["channel"].decode().removeprefix(self.prefix))
                        await deliver(room_id, orjson.loads(item["data"]), item["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                # Redis went away: members fill the gap from MongoDB on the next message.
                logger.exception("room bus lost its subscription; resubscribing")
                await asyncio.sleep(1)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
