"""Appending said messages to a room's log, several per transaction when a room is busy.

Each room is its own group-commit stream: while one transaction for a room commits,
the messages said meanwhile wait and then go together in the next one. A quiet room
pays one transaction per message; a busy room one transaction, one outbox insert
and one bus publish per batch. Nothing is acknowledged, or fanned out, before its
transaction has committed, and a room's batches are fanned out in commit order.
"""

import asyncio
import logging

from chorus_backbone.group_commit import GroupCommit, Submitted
from chorus_backbone.unit_of_work import Transaction, UnitOfWork
from chorus_schemas.events.forums import MessagePosted
from chorus_schemas.live_room import message_frame
from forums.domain.models import Message, NewMessage
from forums.live import metrics
from forums.live.ports import RoomFanOut
from forums.store.ports import RoomRepository

logger = logging.getLogger(__name__)

MAX_BATCH = 64

Said = tuple[int, NewMessage]


class MessageLog:
    """Each room's log, appended to in batches; one writer task per busy room."""

    def __init__(self, rooms: RoomRepository, unit_of_work: UnitOfWork, fan_out: RoomFanOut) -> None:
        self.rooms = rooms
        self.fan_out = fan_out
        self._log: GroupCommit[Said, Message | None] = GroupCommit(
            unit_of_work,
            self._store,
            max_batch=MAX_BATCH,
            on_batch=metrics.MESSAGE_BATCH.observe,
            after_commit=self._fan_out,
        )

    def append(self, room_id: int, entry: NewMessage) -> "asyncio.Future[Message | None]":
        """The stored message (with its id in the room's log), or None when the room is closed.

        The message is fanned out to the room once stored; the future says how it went,
        and one member's messages are stored in the order they were said."""
        return self._log.submit_nowait((room_id, entry), key=room_id)

    async def _store(
        self, batch: list[Submitted[Said, Message | None]], transaction: Transaction
    ) -> list[Message | None]:
        room_id = batch[0].item[0]
        messages = await self.rooms.append(room_id, [s.item[1] for s in batch], session=transaction.session)
        if messages is None:
            return [None] * len(batch)
        for submitted, message in zip(batch, messages, strict=True):
            event = MessagePosted(
                room_id=room_id, message_id=message.id, user_id=message.user_id, text=message.text
            )
            submitted.record(transaction, event)
        return list(messages)

    async def _fan_out(
        self, batch: list[Submitted[Said, Message | None]], stored: list[Message | None]
    ) -> None:
        frames = [message_frame(m.id, m.user_id, m.username, m.text, m.at) for m in stored if m is not None]
        if frames:
            # A publish lost here is read from the log by each replica at the room's next batch.
            await self.fan_out.publish_messages(batch[0].item[0], frames)
