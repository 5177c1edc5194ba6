"""One write, whole: a handler's changes and the events it records commit together.

A handler runs its work inside ``UnitOfWork.run``; the work receives a ``Transaction``,
passes its ``session`` to the repositories and ``record``s the events the change
announces. The unit of work writes them to the outbox in the same transaction and
wakes the relay once the transaction has committed, so no handler can forget either.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from chorus_backbone import mongo
from chorus_backbone.outbox import Outbox, OutboxDocument, OutboxEntry
from chorus_schemas import Envelope, Event

T = TypeVar("T")


class Transaction(Protocol):
    """What a handler holds while its unit of work runs."""

    @property
    def session(self) -> mongo.Session | None:
        """The database session every repository call of this work takes."""
        ...

    def record(self, event: Event) -> None:
        """Announce ``event`` if, and only if, this transaction commits."""
        ...


class Inbox(Protocol):
    """Which events a consumer has applied (the idempotent-consumer marker)."""

    async def claim(self, envelope: Envelope, session: mongo.Session | None) -> bool:
        """Mark ``envelope`` applied in the caller's transaction; False when it was before."""
        ...


class BatchInbox(Protocol):
    """The inbox of a consumer that applies events a batch at a time."""

    async def claim_many(
        self, envelopes: Sequence[Envelope], session: mongo.Session | None
    ) -> list[Envelope]:
        """Mark each envelope applied in the caller's transaction; those that were not before."""
        ...


class UnitOfWork(Protocol):
    """Runs work as one transaction with its recorded events."""

    @property
    def timeout_seconds(self) -> float | None:
        """The longest one ``run`` may take, retries included (None: no limit)."""
        ...

    async def run(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run ``work`` in a transaction (retried whole on transient errors) and commit it."""
        ...

    async def run_once(
        self, inbox: Inbox, envelope: Envelope, work: Callable[[Transaction], Awaitable[None]]
    ) -> bool:
        """Run ``work`` unless ``inbox`` says ``envelope`` was applied before; True when it ran."""
        ...


class _OutboxTransaction:
    """Events become outbox entries when recorded, under the recorder's request id and trace."""

    def __init__(self, session: mongo.Session, outbox: Outbox) -> None:
        self._session = session
        self._outbox = outbox
        self.entries: list[OutboxEntry] = []

    @property
    def session(self) -> mongo.Session:
        return self._session

    def record(self, event: Event) -> None:
        self.entries.append(self._outbox.entry(event))


class MongoUnitOfWork:
    """A MongoDB transaction and the service's outbox; ``committed`` gets the outbox document
    once it has committed.

    ``committed`` is the relay's ``publish_committed`` in a service: the events leave for
    Kafka right after the commit instead of at the relay's next sweep.
    """

    def __init__(
        self,
        client: mongo.MongoClient,
        outbox: Outbox,
        committed: Callable[[list[OutboxDocument]], None],
        *,
        timeout_seconds: float | None = None,
    ) -> None:
        self._client = client
        self._outbox = outbox
        self._committed = committed
        self._timeout_seconds = timeout_seconds

    @property
    def timeout_seconds(self) -> float | None:
        return self._timeout_seconds

    async def run(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        recorded: OutboxDocument | None = None

        async def attempt(session: mongo.Session) -> T:
            nonlocal recorded
            # A retried attempt starts over: only the last attempt's events are written.
            transaction = _OutboxTransaction(session, self._outbox)
            result = await work(transaction)
            recorded = await self._outbox.insert(transaction.entries, session=session)
            return result

        result = await mongo.in_transaction(self._client, attempt, timeout=self._timeout_seconds)
        if recorded is not None:
            self._committed([recorded])
        return result

    async def run_once(
        self, inbox: Inbox, envelope: Envelope, work: Callable[[Transaction], Awaitable[None]]
    ) -> bool:
        return await self.run(claimed_by(inbox, envelope, work))


def claimed_by(
    inbox: Inbox, envelope: Envelope, work: Callable[[Transaction], Awaitable[None]]
) -> Callable[[Transaction], Awaitable[bool]]:
    """``work`` behind the inbox's marker for ``envelope``, in the same transaction."""

    async def claimed(transaction: Transaction) -> bool:
        if not await inbox.claim(envelope, transaction.session):
            return False
        await work(transaction)
        return True

    return claimed
