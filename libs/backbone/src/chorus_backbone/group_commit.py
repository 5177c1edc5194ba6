"""Group commit: writes submitted while a transaction commits go together in the next one.

A quiet stream pays one transaction per write, as before; a busy one pays one per
batch (up to ``max_batch``), so the database's per-transaction cost is shared and
writes to the same documents stop conflicting with each other. Nothing is
acknowledged before its transaction has committed. Streams are independent (a
room's log, say): each key has its own queue and writer.
"""

import asyncio
import contextvars
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import pymongo
from pymongo.errors import ConnectionFailure

from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.unit_of_work import Transaction, UnitOfWork
from chorus_schemas import Event

logger = logging.getLogger(__name__)

I = TypeVar("I")  # noqa: E741  (the submitted item)
R = TypeVar("R")


@dataclass
class Submitted(Generic[I, R]):
    """One write waiting for its batch, with the context (request id, trace) it was made in."""

    item: I
    deadline: float | None = None  # loop time past which it is refused rather than written
    done: "asyncio.Future[R]" = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    context: contextvars.Context = field(default_factory=contextvars.copy_context)

    def record(self, transaction: Transaction, event: Event) -> None:
        """Record ``event`` under this write's own request id and trace, whichever batch carries it."""
        self.context.run(transaction.record, event)


StoreBatch = Callable[[list[Submitted[I, R]], Transaction], Awaitable[list[R]]]
AfterCommit = Callable[[list[Submitted[I, R]], list[R]], Awaitable[None]]


class GroupCommit(Generic[I, R]):
    """Batches writes per key into transactions; ``store`` writes one batch and says each result."""

    def __init__(
        self,
        unit_of_work: UnitOfWork,
        store: StoreBatch[I, R],
        *,
        max_batch: int = 64,
        on_batch: Callable[[int], None] = lambda size: None,
        after_commit: AfterCommit[I, R] | None = None,
    ) -> None:
        self.unit_of_work = unit_of_work
        self.store = store
        self.max_batch = max_batch
        self.on_batch = on_batch
        self.after_commit = after_commit
        self._waiting: dict[Hashable, deque[Submitted[I, R]]] = defaultdict(deque)
        self._writers: dict[Hashable, asyncio.Task[None]] = {}

    async def submit(self, item: I, key: Hashable = None) -> R:
        """The result of writing ``item``, once its transaction has committed."""
        # A caller that goes away does not cancel the batch.
        return await asyncio.shield(self.submit_nowait(item, key))

    def submit_nowait(self, item: I, key: Hashable = None) -> "asyncio.Future[R]":
        """Queue ``item`` and return its result's future; submissions of one caller keep their order."""
        timeout = self.unit_of_work.timeout_seconds
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        submitted: Submitted[I, R] = Submitted(item, deadline)
        self._waiting[key].append(submitted)
        if key not in self._writers:
            self._writers[key] = asyncio.create_task(self._write(key), name=f"group-commit-{key}")
        return submitted.done

    async def _write(self, key: Hashable) -> None:
        queue = self._waiting[key]
        try:
            while queue:
                batch = _in_time([queue.popleft() for _ in range(min(self.max_batch, len(queue)))])
                if batch:
                    self.on_batch(len(batch))
                    await self._commit(batch)
        finally:
            del self._writers[key]
            if not queue:
                self._waiting.pop(key, None)

    async def _commit(self, batch: list[Submitted[I, R]]) -> None:
        deadlines = [submitted.deadline for submitted in batch if submitted.deadline is not None]
        remaining = min(deadlines) - asyncio.get_running_loop().time() if deadlines else None
        try:
            # The batch is bounded by its oldest write's deadline: none is stored after it.
            with pymongo.timeout(remaining):
                results = await self.unit_of_work.run(lambda transaction: self.store(batch, transaction))
        except Exception as error:
            batch = _in_time(batch)
            if len(batch) > 1 and not isinstance(error, ConnectionFailure):
                # One write may be what failed the batch (a conflict it alone causes):
                # each goes again alone, so only that one hears of it.
                logger.info("a batch of %d failed (%r); writing each alone", len(batch), error)
                for submitted in batch:
                    await self._commit([submitted])
                return
            for submitted in batch:  # the database is away: everyone hears at once
                if not submitted.done.done():
                    submitted.done.set_exception(error)
            return
        if self.after_commit is not None:
            # Still in the writer: the next batch of this key waits, so what follows a commit
            # (a room's fan-out) happens in commit order.
            try:
                await self.after_commit(batch, results)
            except Exception:
                logger.exception("after a committed batch of %d", len(batch))
        for submitted, result in zip(batch, results, strict=True):
            if not submitted.done.done():
                submitted.done.set_result(result)


def _in_time(batch: list[Submitted[I, R]]) -> list[Submitted[I, R]]:
    """The writes still within their deadline; the others are refused (their callers hear 503)."""
    now = asyncio.get_running_loop().time()
    live = []
    for submitted in batch:
        if submitted.deadline is not None and now >= submitted.deadline:
            if not submitted.done.done():
                submitted.done.set_exception(
                    ChorusError(ErrorKind.UNAVAILABLE, "write_timeout", "the write could not be made in time")
                )
        else:
            live.append(submitted)
    return live


class BatchedEvents:
    """Events that are a write of their own (a member joined, a rating asked for): recorded
    in the outbox several per transaction when many come at once (a crowd joining a room)."""

    def __init__(self, unit_of_work: UnitOfWork, *, max_batch: int = 64) -> None:
        self._commit: GroupCommit[Event, None] = GroupCommit(unit_of_work, self._store, max_batch=max_batch)

    async def record(self, event: Event) -> None:
        """Once this returns, ``event`` is in the outbox (committed) and on its way to Kafka."""
        await self._commit.submit(event)

    @staticmethod
    async def _store(batch: list[Submitted[Event, None]], transaction: Transaction) -> list[None]:
        for submitted in batch:
            submitted.record(transaction, submitted.item)
        return [None] * len(batch)
