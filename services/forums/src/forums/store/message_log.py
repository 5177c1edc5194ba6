"""Appending said messages to a room's log, several per transaction when a room is busy.

Group commit: while one transaction for a room commits, the messages said meanwhile
wait and then go together in the next one (up to ``MAX_BATCH``). A quiet room pays
one transaction per message, as before; a busy room pays one per batch, and its
room document (which every message of the room updates) sees far fewer conflicts.
Nothing is acknowledged, or fanned out, before its transaction has committed.
"""

import asyncio
import contextvars
from collections import defaultdict, deque
from dataclasses import dataclass, field
from functools import partial

from chorus_backbone.unit_of_work import Transaction, UnitOfWork
from chorus_schemas.events.forums import MessagePosted
from forums.domain.models import Message, NewMessage
from forums.live import metrics
from forums.store.ports import RoomRepository

MAX_BATCH = 64


def _future() -> "asyncio.Future[Message | None]":
    return asyncio.get_running_loop().create_future()


@dataclass
class _Waiting:
    entry: NewMessage
    done: "asyncio.Future[Message | None]" = field(default_factory=_future)
    # The sayer's request id and trace go on its own MessagePosted, whichever batch carries it.
    context: contextvars.Context = field(default_factory=contextvars.copy_context)


class MessageLog:
    """Each room's log, appended to in batches; one writer task per busy room."""

    def __init__(self, rooms: RoomRepository, unit_of_work: UnitOfWork) -> None:
        self.rooms = rooms
        self.unit_of_work = unit_of_work
        self._waiting: dict[int, deque[_Waiting]] = defaultdict(deque)
        self._writers: dict[int, asyncio.Task[None]] = {}

    async def append(self, room_id: int, entry: NewMessage) -> Message | None:
        """The stored message (with its id in the room's log), or None when the room is closed."""
        waiting = _Waiting(entry)
        self._waiting[room_id].append(waiting)
        if room_id not in self._writers:
            self._writers[room_id] = asyncio.create_task(self._write(room_id), name=f"room-log-{room_id}")
        return await asyncio.shield(waiting.done)  # a caller that goes away does not cancel the batch

    async def _write(self, room_id: int) -> None:
        queue = self._waiting[room_id]
        try:
            while queue:
                batch = [queue.popleft() for _ in range(min(MAX_BATCH, len(queue)))]
                metrics.MESSAGE_BATCH.observe(len(batch))
                try:
                    stored = await self.unit_of_work.run(partial(self._store, room_id, batch))
                except Exception as error:  # every waiter hears of it; the next batch still tries
                    for waiting in batch:
                        if not waiting.done.done():
                            waiting.done.set_exception(error)
                    continue
                for index, waiting in enumerate(batch):
                    if not waiting.done.done():
                        waiting.done.set_result(None if stored is None else stored[index])
        finally:
            del self._writers[room_id]
            if not queue:
                self._waiting.pop(room_id, None)

    async def _store(
        self, room_id: int, batch: list[_Waiting], transaction: Transaction
    ) -> list[Message] | None:
        entries = [waiting.entry for waiting in batch]
        messages = await self.rooms.append(room_id, entries, session=transaction.session)
        for waiting, message in zip(batch, messages or (), strict=False):
            event = MessagePosted(
                room_id=room_id, message_id=message.id, user_id=message.user_id, text=message.text
            )
            # Recorded under the sayer's own request id and trace, whichever batch carries it.
            waiting.context.run(transaction.record, event)
        return messages
