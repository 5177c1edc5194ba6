"""The edge without a round trip per request: limits shared across replicas, Redis lost, no token logged."""

import asyncio
import io
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from chorus_backbone.logs import configure_logging
from chorus_devinfra.probes import eventually
from chorus_devinfra.process import ManagedProcess, free_port
from chorus_devinfra.redis import redis_process
from chorus_devinfra.serving import serving
from gateway.api.app import create_app as create_gateway
from tests.e2e.conftest import System

pytestmark = pytest.mark.integration

PASSWORD = "a-long-and-decent-passphrase"


async def _token(gateway: httpx.AsyncClient, username: str) -> str:
    await gateway.post("/api/users/auth/signup", json={"username": username, "password": PASSWORD})
    signed = await gateway.post("/api/users/auth/signin", json={"username": username, "password": PASSWORD})
    return str(signed.json()["auth_token"])


async def _admitted_until_refused(client: httpx.AsyncClient, path: str, most: int = 100) -> int:
    for admitted in range(most):
        if (await client.get(path)).status_code == 429:
            return admitted
    raise AssertionError(f"no 429 within {most} requests")


async def test_two_gateway_replicas_share_one_limit_per_address(system: System) -> None:
    settings = system.gateway_settings(requests_per_minute_per_address=30, limits_sync_seconds=60)
    one, other = (
        create_gateway(settings),
        create_gateway(settings.model_copy(update={"grpc_port": free_port()})),
    )
    async with (
        serving(one) as one_url,
        serving(other) as other_url,
        httpx.AsyncClient(base_url=one_url) as first,
        httpx.AsyncClient(base_url=other_url) as second,
    ):
        for _ in range(20):
            assert (await first.get("/api/music/albums")).status_code != 429
        await one.state.gateway.limiter.sync()  # what the background sync does every half second
        assert (await second.get("/api/music/albums")).status_code != 429
        await other.state.gateway.limiter.sync()

        assert await _admitted_until_refused(second, "/api/music/albums") == 9  # 30 - 20 - 1


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[ManagedProcess]:
    """A Redis of this test's own, to kill: the rest of the suite keeps its own."""
    redis = redis_process("redis-killed", free_port(), tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.kill()


async def test_without_redis_reads_answer_and_user_limits_still_hold(
    system: System, own_redis: ManagedProcess
) -> None:
    settings = system.gateway_settings(
        redis_url=f"redis://127.0.0.1:{own_redis.port}/0",
        users_url=system.urls["users"],
        reviews_url=system.urls["reviews"],
        forums_urls=[system.urls["forums"]],
        requests_per_minute_per_user=40,
        redis_wait_seconds=0.5,
    )
    async with (
        serving(create_gateway(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as gateway,
    ):
        me = {"Authorization": f"Bearer {await _token(gateway, 'outlasting')}"}
        statuses: Counter[int] = Counter()
        stop = asyncio.Event()

        async def read_on() -> None:
            while not stop.is_set():
                statuses[(await gateway.get("/api/music/albums", params={"limit": 1})).status_code] += 1
                await asyncio.sleep(0.01)

        reading = asyncio.create_task(read_on())
        await eventually(  # the reads are under way before Redis goes
            lambda: asyncio.sleep(0, sum(statuses.values())), lambda answered: answered >= 10
        )
        await asyncio.to_thread(own_redis.kill)
        during = await gateway.get("/readyz")
        catalog = await gateway.get("/api/music/albums", params={"limit": 1})
        answers = [(await gateway.get("/api/users/me", headers=me)).status_code for _ in range(45)]
        await asyncio.to_thread(own_redis.start)
        await eventually(
            lambda: gateway.get("/readyz"), lambda response: response.json()["status"] == "ready"
        )
        stop.set()
        await reading

    assert (during.status_code, during.json()["status"], during.json()["checks"]["redis"]) == (
        200,
        "degraded",
        "down",
    )
    assert catalog.status_code == 200
    assert answers[:38].count(200) == 38  # one sign-in and a read went before; the user's limit is 40
    assert 429 in answers[38:]
    assert set(statuses) == {200}, statuses


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("everything", "DEBUG", json=True)
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        logging.getLogger().handlers.clear()


async def test_no_token_appears_in_any_log_line_after_a_journey(
    system: System, captured_logs: io.StringIO
) -> None:
    gateway = system.gateway
    token = await _token(gateway, "discreet")
    auth = {"Authorization": f"Bearer {token}"}
    album = (
        await gateway.post("/api/music/albums", json={"title": "Hush", "artist": "Quiet"}, headers=auth)
    ).json()
    await gateway.put(
        f"/api/reviews/albums/{album['id']}", json={"score": 4.0}, headers={"auth_token": token}
    )
    await gateway.get("/api/users/me?token=" + token)  # a token where none belongs, in a query
    room = (
        await eventually(
            lambda: gateway.post("/api/games/create", json={"album_id": album["id"]}, headers=auth),
            lambda response: response.status_code == 200,
        )
    ).json()["lobby_id"]
    async with connect(
        f"{system.gateway_url.replace('http', 'ws', 1)}/api/games/wss/lobby/{room}?token={token}"
    ) as ws:
        await ws.send(orjson.dumps({"type": "say", "text": "hello"}).decode())
        await asyncio.wait_for(ws.recv(), 10)

    logged = captured_logs.getvalue()
    assert len(logged.splitlines()) > 20  # it did log, at DEBUG
    assert token not in logged
    assert token.split(".")[2] not in logged  # not even the signature on its own
