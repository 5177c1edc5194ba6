"""In-memory stand-ins for the backbone's ports, for unit tests of handlers.

They keep the contract that matters to a handler: events recorded by work that
fails are never announced, and an envelope is applied at most once per inbox.
They do not roll back repositories; the real unit of work is proved on MongoDB.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from chorus_backbone import mongo
from chorus_backbone.unit_of_work import Inbox, Transaction, claimed_by
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

    def __init__(self, *, timeout_seconds: float | None = None) -> None:
        self.announced: list[Event] = []
        self.timeout_seconds = timeout_seconds

    async def run(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        transaction = _RecordingTransaction()
        result = await work(transaction)
        self.announced.extend(transaction.events)
        return result

    async def run_once(
        self, inbox: Inbox, envelope: Envelope, work: Callable[[Transaction], Awaitable[None]]
    ) -> bool:
        try:
            return await self.run(claimed_by(inbox, envelope, work))
        except BaseException:
            if isinstance(inbox, InMemoryInbox):  # the marker goes with the failed work
                inbox.applied.discard(str(envelope.id))
            raise


class InMemoryIds:
    """Integer ids counting up from 1, as the MongoDB stores hand them out."""

    def __init__(self) -> None:
        self._last_id = 0

    async def next_id(self) -> int:
        self._last_id += 1
        return self._last_id


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

    async def claim_many(
        self, envelopes: Sequence[Envelope], session: mongo.Session | None
    ) -> list[Envelope]:
        return [envelope for envelope in envelopes if await self.claim(envelope, session)]
