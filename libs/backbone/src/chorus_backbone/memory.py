"""In-memory stand-ins for the backbone's ports, for unit tests of handlers.

They keep the contract that matters to a handler: events recorded by work that
fails are never announced, and an envelope is applied at most once per inbox.
They do not roll back repositories; the real unit of work is proved on MongoDB.
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from chorus_backbone import mongo
from chorus_backbone.unit_of_work import Inbox, Transaction
from chorus_schemas import Envelope, Event

T = TypeVar("T")


class _RecordingTransaction:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @property
    def session(self) -> mongo.Session | None:
        return None

    def record(self, event: Event) -> None:
        self.events.append(event)


class InMemoryUnitOfWork:
    """``announced`` holds, in order, the events of every unit of work that completed."""

    def __init__(self) -> None:
        self.announced: list[Event] = []

    async def run(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        transaction = _RecordingTransaction()
        result = await work(transaction)
        self.announced.extend(transaction.events)
        return result

    async def run_once(
        self, inbox: Inbox, envelope: Envelope, work: Callable[[Transaction], Awaitable[None]]
    ) -> bool:
        async def claimed(transaction: Transaction) -> bool:
            if not await inbox.claim(envelope, transaction.session):
                return False
            try:
                await work(transaction)
            except BaseException:
                if isinstance(inbox, InMemoryInbox):  # the marker goes with the failed work
                    inbox.applied.discard(str(envelope.id))
                raise
            return True

        return await self.run(claimed)


class InMemoryInbox:
    """Remembers the ids of the envelopes it has seen."""

    def __init__(self) -> None:
        self.applied: set[str] = set()

    async def claim(self, envelope: Envelope, session: mongo.Session | None) -> bool:
        key = str(envelope.id)
        if key in self.applied:
            return False
        self.applied.add(key)
        return True
