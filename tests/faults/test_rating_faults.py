"""Ratings under faults: the aggregate writer, the relay's service and Kafka killed (SIGKILL) mid-load.

Two reviews replicas run as real processes on parts of their own; raters rate flat out,
each through both replicas in turn. While they do, each replica is killed and started
again, and so is Kafka. Afterwards every album's aggregate equals its ratings (each
change counted exactly once), every acknowledged rating is what is stored (unless a
later attempt that got no answer replaced it), the outbox is empty, and the album's
room showed each rating change at most once.
"""

import asyncio
import contextlib
import random
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from pymongo import AsyncMongoClient
from websockets.asyncio.client import ClientConnection, connect

from chorus_backbone.auth import TokenCodec
from chorus_chaos.ratings import Attempt, allowed_after
from chorus_devinfra.probes import eventually
from chorus_devinfra.process import free_port
from chorus_devinfra.service_process import ServiceProcess
from chorus_devinfra.serving import serving
from chorus_devinfra.stack import Stack, StackPorts
from forums.api.app import create_app as create_forums
from forums.settings import ForumsSettings
from reviews.settings import ReviewsSettings

pytestmark = pytest.mark.integration

RATERS = 12
ALBUMS = 3
SETTLE_SECONDS = 120.0


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Kafka, a MongoDB-wire server and Redis of this module's own: the test kills Kafka."""
    ports = StackPorts(
        kafka=[free_port()], kafka_controller=[free_port()], mongo={"faults": free_port()}, redis=free_port()
    )
    stack = Stack(Path(tmp_path_factory.mktemp("faults")), ports)
    try:
        stack.start()
        yield stack
    finally:
        for server in [*stack.mongo.values(), stack.redis]:
            server.kill()
        stack.kafka.kill()


@dataclass
class Load:
    """What the raters tried, per (user, album), in order."""

    attempts: dict[tuple[int, int], list[Attempt]] = field(default_factory=lambda: defaultdict(list))
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def acknowledged(self) -> int:
        return sum(a.acknowledged for tries in self.attempts.values() for a in tries)

    def answered(self) -> int:
        return sum(len(tries) for tries in self.attempts.values())

    def refused(self) -> int:
        return sum(not a.acknowledged for tries in self.attempts.values() for a in tries)


async def _rate_flat_out(
    load: Load, urls: list[str], tokens: TokenCodec, albums: list[int], user: int
) -> None:
    headers = {"Authorization": f"Bearer {tokens.issue_user_token(user, f'rater{user}')}"}
    turn = random.Random(user)
    async with httpx.AsyncClient(timeout=10) as client:
        index = user
        while not load.stop.is_set():
            album, score = turn.choice(albums), turn.randint(1, 10) / 2
            index += 1
            try:
                response = await client.put(
                    f"{urls[index % len(urls)]}/api/reviews/albums/{album}",
                    json={"score": score},
                    headers=headers,
                )
                acknowledged = response.status_code == 200
            except httpx.HTTPError:
                acknowledged = False
            load.attempts[(user, album)].append(Attempt(score, acknowledged))
            if not acknowledged:
                await asyncio.sleep(0.05)  # the replica is away: do not spin


async def _frames(socket: ClientConnection, into: list[dict[str, Any]]) -> None:
    with contextlib.suppress(Exception):
        async for raw in socket:
            frame = orjson.loads(raw)
            if frame.get("type") == "event":
                into.append(frame)


@pytest.fixture
async def reviews(parts: Stack, tmp_path: Path) -> AsyncIterator[list[ServiceProcess]]:
    replicas = []
    for index in range(2):
        port = free_port()
        settings = ReviewsSettings(
            port=port,
            kafka_bootstrap=parts.kafka_bootstrap,
            mongodb_url=parts.mongo_url("faults"),
            mongodb_database="reviews_faults",
            redis_url=parts.redis_url,
            redis_key_prefix="faults:",
            load_starter_catalog=False,
            outbox_poll_seconds=0.1,
            outbox_lease_seconds=3,
            lag_interval_seconds=1,
        )
        replicas.append(ServiceProcess("reviews", settings, port=port, log=tmp_path / f"reviews-{index}.log"))
    try:
        for replica in replicas:
            await replica.start()
        yield replicas
    finally:
        for replica in replicas:
            await replica.kill()


async def _more_answers(load: Load, count: int = 40) -> None:
    """Wait until the raters have had ``count`` more answers (or refusals): the load moved on."""
    target = load.answered() + count
    await eventually(
        lambda: asyncio.sleep(0, load.answered()), lambda answered: answered >= target, timeout=60
    )


async def _faults(parts: Stack, replicas: list[ServiceProcess], load: Load) -> None:
    """Each writer killed and started again in turn, and Kafka between them, the load running throughout."""
    await _more_answers(load)
    await replicas[0].kill()
    await _more_answers(load)
    await replicas[0].start()
    await _more_answers(load)
    await asyncio.to_thread(parts.kafka.kill)
    await _more_answers(load)
    await asyncio.to_thread(parts.kafka.start)
    await _more_answers(load)
    await replicas[1].kill()
    await _more_answers(load)
    await replicas[1].start()
    await _more_answers(load)


async def test_killed_writers_and_kafka_lose_and_double_no_acknowledged_rating(
    parts: Stack, reviews: list[ServiceProcess]
) -> None:
    settings = reviews[0].settings
    assert isinstance(settings, ReviewsSettings)
    tokens = TokenCodec(settings.token_keys())
    urls = [replica.url for replica in reviews]
    forums_settings = ForumsSettings(
        port=free_port(),
        kafka_bootstrap=parts.kafka_bootstrap,
        mongodb_url=parts.mongo_url("faults"),
        mongodb_database="forums_faults",
        redis_url=parts.redis_url,
        redis_key_prefix="faults:",
        outbox_poll_seconds=0.1,
    )
    owner = {"Authorization": f"Bearer {tokens.issue_user_token(1000, 'owner')}"}
    frames: list[dict[str, Any]] = []
    load = Load()
    async with serving(create_forums(forums_settings)) as forums, httpx.AsyncClient(timeout=20) as client:
        albums = [
            (
                await client.post(
                    f"{urls[0]}/api/music/albums", json={"title": f"A{i}", "artist": "B"}, headers=owner
                )
            )
            .raise_for_status()
            .json()["id"]
            for i in range(ALBUMS)
        ]
        room = (
            await eventually(
                lambda: client.post(
                    f"{forums}/api/games/create", json={"album_id": albums[0]}, headers=owner
                ),
                lambda response: response.status_code == 200,
            )
        ).json()["lobby_id"]
        socket_url = (
            forums.replace("http", "ws", 1)
            + f"/api/games/wss/lobby/{room}?token={owner['Authorization'][7:]}"
        )
        async with connect(socket_url, open_timeout=10, max_size=2**24) as socket:
            listening = asyncio.create_task(_frames(socket, frames))
            raters = [
                asyncio.create_task(_rate_flat_out(load, urls, tokens, albums, user))
                for user in range(1, RATERS + 1)
            ]
            try:
                await _faults(parts, reviews, load)
            finally:
                load.stop.set()
                await asyncio.gather(*raters)
            await _settled(settings, client, urls[0], albums)
            listening.cancel()

    assert load.acknowledged() > 100
    assert load.refused() > 0  # the faults did hit the load
    stored = await _stored_ratings(settings)
    for key, tries in load.attempts.items():
        assert stored.get(key) in allowed_after(tries), (key, tries, stored.get(key))
    changes = [frame for frame in frames if frame["name"] == "rating.changed"]
    assert len(changes) > 10
    assert len({frame["id"] for frame in frames}) == len(frames)  # each event shown at most once
    shown = Counter((frame["data"]["rating_id"], frame["data"]["version"]) for frame in changes)
    assert shown.most_common(1)[0][1] == 1  # each change of each rating at most once


async def _stored_ratings(settings: ReviewsSettings) -> dict[tuple[int, int], float]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_url)
    try:
        ratings = client[settings.mongodb_database]["ratings"].find({})
        return {(d["user_id"], d["album_id"]): d["half_stars"] / 2 async for d in ratings}
    finally:
        await client.close()


async def _settled(settings: ReviewsSettings, http: httpx.AsyncClient, url: str, albums: list[int]) -> None:
    """Wait until the outbox is empty and every aggregate (stored and shown) equals its ratings."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_url)
    database = client[settings.mongodb_database]

    async def differences() -> list[object]:
        wrong: list[object] = []
        if await database["outbox"].count_documents({"sent_at": None}):
            wrong.append("outbox not empty")
        for album in albums:
            halves = [d["half_stars"] async for d in database["ratings"].find({"album_id": album})]
            expected = (len(halves), sum(halves), {str(h): n for h, n in Counter(halves).items()})
            document = await database["albums"].find_one({"_id": album}) or {}
            stored = (
                document.get("ratings_count"),
                document.get("half_star_sum"),
                {h: n for h, n in document.get("histogram", {}).items() if n},
            )
            shown = (await http.get(f"{url}/api/music/albums/{album}")).json()
            if stored != expected or shown["ratings_count"] != len(halves):
                wrong.append((album, stored, expected, shown["ratings_count"]))
        return wrong

    try:
        await eventually(differences, lambda wrong: wrong == [], timeout=SETTLE_SECONDS, interval=1)
    finally:
        await client.close()
