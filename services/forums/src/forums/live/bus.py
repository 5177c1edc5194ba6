"""Room fan-out between forums replicas over Redis pub/sub.

A frame published for a room reaches every replica; each hands it to the members
connected to it. A room's messages travel as batches, one publish per committed
batch. Pub/sub may lose a batch to a replica that is briefly away or deliver two
publishers' batches out of order: message frames carry their id in the room's
log, and each replica's room channel fills gaps from MongoDB and drops repeats,
so delivery to a member stays complete and in order.
"""

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import orjson
from redis.asyncio import Redis

from chorus_schemas.live_room import MessageFrame, ServerFrame

logger = logging.getLogger(__name__)

BATCH = "messages"  # the bus's own envelope for a batch of message frames; members never see it


class Deliveries(Protocol):
    """Where a replica hands the frames it hears: to a room's members, or to an album's rooms'."""

    def deliver_messages(self, room_id: int, frames: list[Mapping[str, Any]]) -> None: ...
    def deliver(self, room_id: int, frame: dict[str, Any]) -> None: ...
    def deliver_to_album(self, album_id: int, frame: dict[str, Any]) -> None: ...


class RoomBus:
    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis = redis
        self.prefix = f"{prefix}room:"
        self.album_prefix = f"{prefix}album:"
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
        await self.redis.publish(f"{self.prefix}{room_id}", _carried(frame, origin, trace))

    async def publish_messages(self, room_id: int, frames: Sequence[MessageFrame]) -> None:
        """Send one committed batch of the room's messages (in log order) to every replica."""
        await self.redis.publish(f"{self.prefix}{room_id}", orjson.dumps({"type": BATCH, "messages": frames}))

    async def publish_to_album(
        self, album_id: int, frame: ServerFrame, *, trace: Mapping[str, str] | None = None
    ) -> None:
        """Send ``frame`` to every open room about ``album_id``, on every replica."""
        await self.redis.publish(f"{self.album_prefix}{album_id}", _carried(frame, None, trace))

    def start(self, deliveries: Deliveries) -> None:
        self._task = asyncio.create_task(self._listen(deliveries), name="room-bus")

    async def _listen(self, deliveries: Deliveries) -> None:
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{self.prefix}*", f"{self.album_prefix}*")
                    async for item in pubsub.listen():
                        if item["type"] != "pmessage":
                            continue
                        channel = item["channel"].decode()
                        frame = orjson.loads(item["data"])
                        if channel.startswith(self.album_prefix):
                            deliveries.deliver_to_album(int(channel.removeprefix(self.album_prefix)), frame)
                        elif frame.get("type") == BATCH:
                            room_id = int(channel.removeprefix(self.prefix))
                            deliveries.deliver_messages(room_id, frame["messages"])
                        else:
                            deliveries.deliver(int(channel.removeprefix(self.prefix)), frame)
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


def _carried(frame: ServerFrame, origin: str | None, trace: Mapping[str, str] | None) -> bytes:
    carried: dict[str, Any] = dict(frame)
    if origin is not None:
        carried["origin"] = origin
    if trace:
        carried["trace"] = dict(trace)
    return orjson.dumps(carried)
