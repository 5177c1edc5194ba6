"""Presence announcements, coalesced: at most one per room per window, whatever joined or left in it.

Announcing every join at once would send a room of N members N presence frames,
each listing up to N members, while it fills: quadratic work for one crowd.
"""

import asyncio
import contextlib
import logging

from chorus_schemas.live_room import presence_frame
from forums.live.bus import RoomBus
from forums.live.presence import Presence

logger = logging.getLogger(__name__)


class PresenceAnnouncer:
    def __init__(self, presence: Presence, bus: RoomBus, *, window_seconds: float) -> None:
        self.presence = presence
        self.bus = bus
        self.window_seconds = window_seconds
        self._pending: dict[int, asyncio.Task[None]] = {}

    def announce(self, room_id: int) -> None:
        """The room's members will be announced within one window (once, for all changes in it)."""
        if room_id not in self._pending:
            self._pending[room_id] = asyncio.get_running_loop().create_task(
                self._after_window(room_id), name=f"presence-{room_id}"
            )

    async def _after_window(self, room_id: int) -> None:
        try:
            await asyncio.sleep(self.window_seconds)
        finally:
            # Changes from here on schedule a new announcement, so none is lost.
            self._pending.pop(room_id, None)
        try:
            members = await self.presence.members(room_id)
            if members:
                await self.bus.publish(room_id, presence_frame(members))
        except Exception:
            # The heartbeat sweep announces again; presence is eventually right.
            logger.exception("announcing presence in room %s failed", room_id)

    async def stop(self) -> None:
        pending = list(self._pending.values())
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
