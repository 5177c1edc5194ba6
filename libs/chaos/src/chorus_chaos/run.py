"""A chaos run: the system under mixed load, each part killed and restarted in turn, checked after each.

After each fault the load pauses (requests in flight finish), the system is given time
to catch up (outboxes sent, aggregates folded, members caught up), and then every
acknowledged write must be there exactly once, every member must have seen its rooms
without gap or repeat, and every projection must equal a rebuild from the topics.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from chorus_chaos.chat import ChatLoad, chat_lag, check_chat
from chorus_chaos.friendships import FriendshipLoad, check_friendships, friendship_lag
from chorus_chaos.ledger import Ledger, LoadSwitch, Outcome
from chorus_chaos.ratings import RatingLoad, check_ratings, rating_lag
from chorus_chaos.replays import check_projections
from chorus_chaos.system import ChaosSystem
from chorus_chaos.verdict import Verdict
from chorus_chaos.world import World, build_world
from chorus_devinfra.probes import eventually
from forums.settings import ForumsSettings
from reviews.settings import ReviewsSettings
from users.settings import UsersSettings

KINDS = ("rating", "friendship", "chat")
RECOVERY_SECONDS = 120.0
STOP_SECONDS = 30.0


@dataclass(frozen=True)
class Plan:
    faults: tuple[str, ...]
    down_seconds: float  # how long a killed part stays dead
    steady_seconds: float  # load before the first fault and after each recovery
    settle_seconds: float  # the longest the system may take to catch up once the load pauses
    raters: int = 6
    befrienders: int = 5
    rooms: int = 3
    talkers_per_room: int = 3


EVERY_PART = (
    "kafka broker",
    "gateway",
    "users",
    "reviews",
    "forums",
    "analytics",
    "mongo-users",
    "mongo-reviews",
    "mongo-forums",
    "mongo-analytics",
    "redis",
)
FULL = Plan(EVERY_PART, down_seconds=5.0, steady_seconds=5.0, settle_seconds=60.0)
# The CI form: the parts whose loss is hardest on the guarantees (the rooms' replica, a
# database, the fan-out and caches); a broker's loss has a test of its own
# (libs/devinfra/tests/integration/test_kafka_cluster.py) and is in the full form.
SHORT = Plan(("forums", "mongo-reviews", "redis"), down_seconds=2.0, steady_seconds=2.0, settle_seconds=60.0)


@dataclass
class FaultRow:
    fault: str
    acknowledged: int
    refused: int
    unanswered: int
    back_after_seconds: float | None  # from the restart until every kind of load was acknowledged again
    verdict: Verdict

    @property
    def lost(self) -> int:
        return len(self.verdict.lost_writes)

    @property
    def doubled(self) -> int:
        return len(self.verdict.doubled_writes)


@dataclass
class Loads:
    ratings: RatingLoad
    friendships: FriendshipLoad
    chat: ChatLoad
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self, http: httpx.AsyncClient, switch: LoadSwitch, ledger: Ledger, world: World) -> None:
        work: list[Coroutine[Any, Any, None]] = [
            *(self.ratings.rate(http, switch, ledger, rater, world.albums) for rater in world.raters),
            *(self.friendships.befriend(http, switch, ledger, pair) for pair in self.friendships.pairs),
            *(
                self.chat.talk(http, switch, ledger, member, slot)
                for slot, members in zip(world.slots, world.talkers, strict=True)
                for member in members
            ),
        ]
        self.tasks = [asyncio.create_task(job) for job in work]

    async def stop(self, switch: LoadSwitch) -> None:
        switch.stop()
        _, pending = await asyncio.wait(self.tasks, timeout=STOP_SECONDS)
        for task in pending:  # a socket waiting on a frame stops only when cancelled
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        failed = [task.exception() for task in self.tasks if not task.cancelled() and task.exception()]
        if failed:
            raise RuntimeError(f"a load client failed: {failed[0]!r}") from failed[0]


class ChaosRun:
    def __init__(self, system: ChaosSystem, plan: Plan, say: Callable[[str], None]) -> None:
        self.system, self.plan, self.say = system, plan, say
        self.ledger, self.switch = Ledger(), LoadSwitch()
        self.mongo: dict[str, AsyncMongoClient[dict[str, Any]]] = {}

    def _database(self, store: str, settings_class: type[Any]) -> Any:
        settings = self.system.service_settings(settings_class, store)
        client = self.mongo.setdefault(store, AsyncMongoClient(settings.mongodb_url))
        return client[settings.mongodb_database]

    async def execute(self) -> list[FaultRow]:
        gateway = self.system.gateway_url
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
        async with httpx.AsyncClient(base_url=gateway, timeout=10, limits=limits) as http:
            plan = self.plan
            world = await build_world(
                http,
                raters=plan.raters,
                befrienders=plan.befrienders,
                rooms=plan.rooms,
                talkers_per_room=plan.talkers_per_room,
            )
            loads = Loads(
                RatingLoad(),
                FriendshipLoad.among(world.befrienders),
                ChatLoad(gateway.replace("http", "ws", 1)),
            )
            loads.start(http, self.switch, self.ledger, world)
            try:
                await asyncio.sleep(plan.steady_seconds)
                return [await self._fault(http, loads, name) for name in plan.faults]
            finally:
                await loads.stop(self.switch)
                for client in self.mongo.values():
                    await client.close()

    async def _fault(self, http: httpx.AsyncClient, loads: Loads, name: str) -> FaultRow:
        part = self.system.parts()[name]
        self.ledger.phase = name
        self.say(f"{name}: killed")
        await asyncio.to_thread(part.kill)
        await asyncio.sleep(self.plan.down_seconds)
        await asyncio.to_thread(part.start)
        self.say(f"{name}: started again")
        back_after = await self._back(time.monotonic())
        await asyncio.sleep(self.plan.steady_seconds)
        await self.switch.pause()
        self.say(f"{name}: load paused, checking")
        try:
            verdict = await self._check(http, loads)
        finally:
            self.say(f"{name}: checked, load resumed")
            self.switch.resume()
        counts = self.ledger.counts[name]
        self.say(f"{name}: {verdict.summary()}")
        return FaultRow(
            name,
            counts[Outcome.ACKNOWLEDGED],
            counts[Outcome.REFUSED],
            counts[Outcome.UNANSWERED],
            back_after,
            verdict,
        )

    async def _back(self, since: float) -> float | None:
        """Seconds until every kind of load was acknowledged again; None when one never was."""
        before = {kind: self.ledger.acknowledged_by_kind[kind] for kind in KINDS}
        with contextlib.suppress(AssertionError):
            await eventually(
                lambda: asyncio.sleep(0, self.ledger.acknowledged_by_kind),
                lambda now: all(now[kind] > before[kind] for kind in KINDS),
                timeout=RECOVERY_SECONDS,
                interval=0.1,
            )
            return time.monotonic() - since
        return None

    async def _check(self, http: httpx.AsyncClient, loads: Loads) -> Verdict:
        verdict = Verdict()
        reviews = self._database("reviews", ReviewsSettings)
        users = self._database("users", UsersSettings)
        forums = self._database("forums", ForumsSettings)

        async def lag() -> list[str]:
            return [
                *await rating_lag(loads.ratings, reviews, http),
                *await friendship_lag(users),
                *await chat_lag(loads.chat, forums),
            ]

        paused = time.monotonic()
        try:
            await eventually(lag, lambda behind: not behind, timeout=self.plan.settle_seconds, interval=0.5)
        except AssertionError:
            for behind in await lag():
                verdict.unsettled(behind)
        verdict.caught_up_seconds = time.monotonic() - paused
        await check_ratings(loads.ratings, reviews, verdict)
        await check_friendships(loads.friendships, users, http, verdict)
        await check_chat(loads.chat, forums, verdict)
        checked = time.monotonic()
        await check_projections(self.system, verdict)
        self.say(
            f"caught up in {verdict.caught_up_seconds:.1f} s, writes checked in {checked - paused:.1f} s, "
            f"projections replayed in {time.monotonic() - checked:.1f} s"
        )
        for surprise in self.ledger.surprises:
            verdict.unsettled(surprise)
        self.ledger.surprises.clear()
        return verdict


async def run_chaos(state_dir: Path, plan: Plan, say: Callable[[str], None] = print) -> list[FaultRow]:
    system = ChaosSystem(state_dir)
    say(f"starting the system in {state_dir}")
    try:
        await system.start()
        say("system up")
        return await ChaosRun(system, plan, say).execute()
    finally:
        await system.stop()
