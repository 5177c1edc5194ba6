"""Projections kept in generations, so a replay can rebuild one beside the live one and switch.

A projection is a set of collections a service derives from topics (album averages,
the friend graph). Generation 0 uses the plain collection names; a replay builds
generation N+1 under suffixed names, with its own processed-event markers, and a
pointer document says which generation is active. The live consumer reads that
pointer inside each apply transaction, so after a switch every later event lands
in the new generation; a short pause around the switch keeps the two from racing.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from pymongo import ReturnDocument

from chorus_backbone.inbox import ProcessedEvents
from chorus_backbone.mongo import Database, MongoClient, Session, in_transaction
from chorus_backbone.settings import ServiceSettings
from chorus_schemas import Envelope, Event, Topic

POINTER_COLLECTION = "projection_generations"
# A switch needs this much of its pause left, so the live consumer cannot resume mid-switch.
SWITCH_MARGIN = timedelta(seconds=5)


class ProjectionPaused(Exception):  # noqa: N818 (a state, not a failure)
    """A replay is switching this projection's generation; the event is read again shortly."""


class ProjectionStore(Protocol):
    async def ensure_indexes(self) -> None: ...


S = TypeVar("S", bound=ProjectionStore)


@dataclass(frozen=True)
class Generation:
    number: int = 0

    def collection(self, base: str) -> str:
        return base if self.number == 0 else f"{base}__g{self.number}"

    def inbox_consumer(self, consumer: str) -> str:
        return consumer if self.number == 0 else f"{consumer}@g{self.number}"


FIRST_GENERATION = Generation(0)


Change = Callable[[S, Any, Session], Awaitable[None]]


@dataclass(frozen=True)
class ProjectionSource(Generic[S]):
    """One topic a projection is built from, the live consumer group reading it, and what each event does."""

    topic: Topic
    group: str
    changes: Mapping[type[Event], Change[S]]


@dataclass(frozen=True)
class ProjectionSpec(Generic[S]):
    """Everything a replay needs to rebuild a projection without the service running."""

    name: str
    settings: type[ServiceSettings]
    store: Callable[[Database, Generation], S]
    collections: tuple[str, ...]
    inbox_consumer: str
    sources: tuple[ProjectionSource[S], ...] = field(default_factory=tuple)
    # Page-cache scopes (chorus_backbone.page_cache, under "<redis prefix><name>:") built from
    # this projection: a switch to another generation makes them stale.
    cached_scopes: tuple[str, ...] = ()

    def change_for(self, event: Event) -> Change[S] | None:
        for source in self.sources:
            if type(event) in source.changes:
                return source.changes[type(event)]
        return None


@dataclass(frozen=True)
class PointerState:
    active: Generation
    paused_until: datetime | None

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and self.paused_until > now


class GenerationPointer:
    """Which generation of one projection is live, and whether applying is paused."""

    def __init__(self, database: Database, name: str) -> None:
        self.pointers = database[POINTER_COLLECTION]
        self.name = name

    async def read(self, session: Session | None = None) -> PointerState:
        document = await self.pointers.find_one({"_id": self.name}, session=session) or {}
        return PointerState(Generation(int(document.get("active", 0))), document.get("paused_until"))

    async def allocate(self) -> Generation:
        """A generation number never used before for this projection."""
        current = await self.read()
        document = await self.pointers.find_one_and_update(
            {"_id": self.name},
            {"$inc": {"allocated": 1}, "$setOnInsert": {"active": current.active.number}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert document is not None
        return Generation(max(int(document["allocated"]), current.active.number + 1))

    async def pause(self, active: Generation, duration: timedelta) -> datetime | None:
        """Pause applying for at most ``duration``; None when ``active`` is no longer live."""
        until = datetime.now(UTC) + duration
        result = await self.pointers.update_one(
            {"_id": self.name, "active": active.number}, {"$set": {"paused_until": until}}
        )
        return until if result.matched_count else None

    async def switch(self, active: Generation, to: Generation, paused_until: datetime) -> bool:
        """Make ``to`` live and resume, if the pause taken for it still holds (with a margin)."""
        if paused_until - datetime.now(UTC) < SWITCH_MARGIN:
            return False
        result = await self.pointers.update_one(
            {"_id": self.name, "active": active.number, "paused_until": paused_until},
            {"$set": {"active": to.number, "paused_until": None, "switched_at": datetime.now(UTC)}},
        )
        return result.modified_count == 1

    async def resume(self) -> None:
        await self.pointers.update_one({"_id": self.name}, {"$set": {"paused_until": None}})


class LiveProjection(Generic[S]):
    """The service's side: read the active generation, apply each event to it once."""

    def __init__(self, client: MongoClient, database: Database, spec: ProjectionSpec[S]) -> None:
        self.client = client
        self.database = database
        self.spec = spec
        self.pointer = GenerationPointer(database, spec.name)
        self.inbox = ProcessedEvents(client, database, consumer=spec.inbox_consumer)

    async def ensure_indexes(self) -> None:
        await self.inbox.ensure_indexes()
        await self.spec.store(self.database, (await self.pointer.read()).active).ensure_indexes()

    async def current(self) -> S:
        """The store of the generation that is live now, for reads."""
        return self.spec.store(self.database, (await self.pointer.read()).active)

    async def apply(self, envelope: Envelope, event: Event) -> bool:
        """Apply ``event`` to the live generation unless it was applied there before."""
        change = self.spec.change_for(event)
        if change is None:
            raise LookupError(f"projection {self.spec.name} has no change for {type(event).__name__}")

        async def apply_in(session: Session) -> bool:
            state = await self.pointer.read(session)
            if state.paused(datetime.now(UTC)):
                raise ProjectionPaused(self.spec.name)
            consumer = state.active.inbox_consumer(self.spec.inbox_consumer)
            if not await self.inbox.claim(envelope, session, consumer=consumer):
                return False
            await change(self.spec.store(self.database, state.active), event, session)
            return True

        return await in_transaction(self.client, apply_in)

    async def apply_many(self, events: Sequence[tuple[Envelope, Event]]) -> int:
        """Apply a batch to the live generation in one transaction, each event once; how many were new."""
        if not events:
            return 0  # a batch of events this projection does not keep costs no transaction
        changes = [(envelope, event, self.spec.change_for(event)) for envelope, event in events]
        if any(change is None for _, _, change in changes):
            raise LookupError(f"projection {self.spec.name} has no change for some of these events")

        async def apply_in(session: Session) -> int:
            state = await self.pointer.read(session)
            if state.paused(datetime.now(UTC)):
                raise ProjectionPaused(self.spec.name)
            inbox = ProcessedEvents(
                self.client, self.database, consumer=state.active.inbox_consumer(self.spec.inbox_consumer)
            )
            fresh = {e.id for e in await inbox.claim_many([envelope for envelope, _, _ in changes], session)}
            store = self.spec.store(self.database, state.active)
            applied = 0
            for envelope, event, change in changes:
                if envelope.id in fresh and change is not None:
                    fresh.discard(envelope.id)  # a repeat within the batch counts once
                    await change(store, event, session)
                    applied += 1
            return applied

        return await in_transaction(self.client, apply_in)

    def handler(self) -> Callable[[Envelope, Event], Awaitable[None]]:
        async def handle(envelope: Envelope, event: Event) -> None:
            await self.apply(envelope, event)

        return handle
