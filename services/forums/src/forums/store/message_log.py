"""Appending said messages to a room's log, several per transaction when a room is busy.

Each room is its own group-commit stream: while one transaction for a room commits,
the messages said meanwhile wait and then go together in the next one. A quiet room
pays one transaction per message; a busy room one per batch, and its room document
(which every message of the room updates) sees far fewer conflicts. Nothing is
acknowledged, or fanned out, before its transaction has committed.
"""

from chorus_backbone.group_commit import GroupCommit, Submitted
from chorus_backbone.unit_of_work import Transaction, UnitOfWork
from chorus_schemas.events.forums import MessagePosted
from forums.domain.models import Message, NewMessage
from forums.live import metrics
from forums.store.ports import RoomRepository

MAX_BATCH = 64

Said = tuple[int, NewMessage]


class MessageLog:
    """Each room's log, appended to in batches; one writer task per busy room."""

    def __init__(self, rooms: RoomRepository, unit_of_work: UnitOfWork) -> None:
        self.rooms = rooms
        self._log: GroupCommit[Said, Message | None] = GroupCommit(
            unit_of_work, self._store, max_batch=MAX_BATCH, on_batch=metrics.MESSAGE_BATCH.observe
        )

    async def append(self, room_id: int, entry: NewMessage) -> Message | None:
        """The stored message (with its id in the room's log), or None when the room is closed."""
        return await self._log.submit((room_id, entry), key=room_id)

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
