"""MongoDB client construction and the transaction helper every write path uses."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pymongo
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

T = TypeVar("T")
Document = dict[str, Any]
MongoClient = AsyncMongoClient[Document]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]
Session = AsyncClientSession


def connect(url: str, *, app_name: str, timeout_ms: int = 5_000) -> MongoClient:
    """A client that fails fast (seconds, not the driver's 30 s) when the server is away."""
    return AsyncMongoClient(
        url,
        appname=app_name,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        tz_aware=True,
    )


async def in_transaction(
    client: MongoClient, work: Callable[[Session], Awaitable[T]], *, timeout: float | None = None
) -> T:
    """Run ``work`` in a multi-document transaction, retried by the driver on transient errors.

    ``timeout`` bounds the whole of it, retries included (the driver alone retries for two
    minutes); past it the driver gives up with a timeout error and nothing is committed."""
    with pymongo.timeout(timeout):
        async with client.start_session() as session:
            return await session.with_transaction(work)


async def once_per_database(database: Database, name: str, work: Callable[[], Awaitable[None]]) -> None:
    """Run ``work`` (an idempotent change of stored data) unless this database has it done
    already; it is marked done after it finished, so a start that dies halfway runs it again."""
    migrations = database["migrations"]
    done = {"_id": name}
    if await migrations.find_one(done):
        return
    await work()
    await migrations.update_one(done, {"$set": done}, upsert=True)


async def next_sequence(database: Database, name: str) -> int:
    """The next integer id of a collection (ids on the wire are integers, never ObjectIds).

    Taken outside the caller's transaction on purpose: a shared counter inside every
    write would make them all conflict. An aborted write leaves a gap, which is harmless.
    """
    return await _advance_counter(database, name, 1)


_COUNTER_ATTEMPTS = 5


async def _advance_counter(database: Database, name: str, by: int) -> int:
    """The counter's value after adding ``by``; the counter is created by the first use.

    Two first uses at once race to create it: the loser's upsert fails on the unique
    ``_id`` (or finds nothing to return) and is simply made again, now as an update."""
    for _ in range(_COUNTER_ATTEMPTS):
        with contextlib.suppress(DuplicateKeyError):
            counter = await database["counters"].find_one_and_update(
                {"_id": name}, {"$inc": {"seq": by}}, upsert=True, return_document=ReturnDocument.AFTER
            )
            if counter is not None:
                return int(counter["seq"])
    raise RuntimeError(f"the {name!r} counter could not be advanced")


class IdBlocks:
    """Integer ids from a collection's counter, taken a block at a time: one round trip per block.

    Ids stay unique and grow within a process; across replicas blocks interleave, and
    a process that stops leaves the rest of its block unused (a gap, which is harmless).
    """

    def __init__(self, database: Database, name: str, *, block: int = 100) -> None:
        self.database = database
        self.name = name
        self.block = block
        self._next = 0
        self._end = 0  # exclusive
        self._refill = asyncio.Lock()

    async def next_id(self) -> int:
        while self._next >= self._end:
            async with self._refill:
                if self._next >= self._end:
                    self._end = await _advance_counter(self.database, self.name, self.block) + 1
                    self._next = self._end - self.block
        allocated = self._next
        self._next += 1
        return allocated
