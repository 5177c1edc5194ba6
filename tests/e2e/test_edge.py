"""The gateway's edge: rate limits, an upstream going away and coming back, replicas dying."""

import asyncio
import os
import sys

import grpc
import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from chorus_devinfra.probes import eventually
from chorus_devinfra.process import free_port
from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.serving import serving
from chorus_schemas.grpc import discovery_pb2, discovery_pb2_grpc
from chorus_schemas.live_room import CloseCode
from forums.settings import ForumsSettings
from gateway.api.app import create_app as create_gateway
from reviews.api.app import create_app as create_reviews
from reviews.settings import ReviewsSettings
from tests.e2e.conftest import System, gateway_settings

pytestmark = pytest.mark.integration


async def test_rate_limits_answer_429_with_retry_after(namespace: Namespace) -> None:
    strict = gateway_settings(namespace, requests_per_minute_per_address=3)
    async with serving(create_gateway(strict)) as url, httpx.AsyncClient(base_url=url) as client:
        answers = [await client.get("/api/music/albums") for _ in range(4)]

    assert all(answer.status_code != 429 for answer in answers[:3])
    assert answers[3].status_code == 429
    assert answers[3].json()["error"]["code"] == "rate_limited"
    assert int(answers[3].headers["retry-after"]) >= 1


async def test_an_upstream_that_goes_away_is_a_503_until_it_comes_back(system: System) -> None:
    port = free_port()
    settings = system.namespace.settings(
        ReviewsSettings, port=port, load_starter_catalog=False, registry_target=None
    )
    gateway_settings = system.gateway_settings(
        reviews_url=f"http://127.0.0.1:{port}",
        grpc_port=free_port(),
        # A registry of its own: this gateway knows only the reviews instance started here.
        redis_key_prefix=f"{system.namespace.redis_prefix}isolated:",
    )
    async with (
        serving(create_gateway(gateway_settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        async with serving(create_reviews(settings), port=port):
            up = await client.get("/api/music/albums")
        down = await client.get("/api/music/albums")
        async with serving(create_reviews(settings), port=port):
            back = await eventually(lambda: client.get("/api/music/albums"), lambda r: r.status_code == 200)

    assert up.status_code == 200
    assert down.status_code == 503
    assert down.json()["error"]["code"] == "upstream_unavailable"
    assert "retry-after" in down.headers
    assert back.json() == []


async def _forums_instances(system: System) -> list[str]:
    async with grpc.aio.insecure_channel(system.registry_target) as channel:
        response = await discovery_pb2_grpc.RegistryStub(channel).ListInstances(
            discovery_pb2.ListInstancesRequest(service="forums")
        )
    return sorted(instance.http_url for instance in response.instances)


async def test_a_dead_forums_replica_is_dropped_and_its_members_rejoin_on_another(system: System) -> None:
    before = await _forums_instances(system)
    port = free_port()
    doomed_settings = system.service_settings(ForumsSettings)
    env = {
        **os.environ,
        "CHORUS_FORUMS_PORT": str(port),
        "CHORUS_FORUMS_ADVERTISED_URL": f"http://127.0.0.1:{port}",
        "CHORUS_FORUMS_REGISTRY_TARGET": system.registry_target,
        "CHORUS_FORUMS_KAFKA_BOOTSTRAP": doomed_settings.kafka_bootstrap,
        "CHORUS_FORUMS_MONGODB_URL": doomed_settings.mongodb_url,
        "CHORUS_FORUMS_MONGODB_DATABASE": doomed_settings.mongodb_database,
        "CHORUS_FORUMS_REDIS_URL": doomed_settings.redis_url,
        "CHORUS_FORUMS_REDIS_KEY_PREFIX": doomed_settings.redis_key_prefix,
        "CHORUS_FORUMS_TOPIC_PREFIX": doomed_settings.topic_prefix,
        "CHORUS_FORUMS_CONSUMER_GROUP_PREFIX": doomed_settings.consumer_group_prefix,
    }
    doomed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "forums",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        registered = await eventually(
            lambda: _forums_instances(system), lambda urls: len(urls) == len(before) + 1, timeout=60
        )
    finally:
        doomed.kill()
        await doomed.wait()
    after = await eventually(lambda: _forums_instances(system), lambda urls: urls == before, timeout=30)

    signed = await system.gateway.post(
        "/api/users/auth/signup", json={"username": "carol", "password": "a-long-and-decent-passphrase"}
    )
    token = (
        await system.gateway.post(
            "/api/users/auth/signin", json={"username": "carol", "password": "a-long-and-decent-passphrase"}
        )
    ).json()["auth_token"]
    room = (await system.gateway.post("/api/games/create", headers={"auth_token": token})).json()["lobby_id"]
    lobby = f"{system.gateway_url.replace('http', 'ws', 1)}/api/games/wss/lobby/{room}?token={token}"
    async with connect(lobby, open_timeout=10) as anchor:  # keeps the room open meanwhile
        await asyncio.wait_for(anchor.recv(), 10)
        for _ in range(3):  # whichever replica the gateway picks, it is a live one
            async with connect(lobby, open_timeout=10) as socket:
                welcome = await asyncio.wait_for(socket.recv(), 10)
                assert '"welcome"' in str(welcome)

    assert signed.status_code == 201
    assert f"http://127.0.0.1:{port}" in registered
    assert f"http://127.0.0.1:{port}" not in after


async def test_huge_bodies_are_413_and_cors_follows_settings(namespace: Namespace) -> None:
    settings = gateway_settings(namespace, cors_origins=["https://chorus.example"], max_body_bytes=2048)
    async with (
        serving(create_gateway(settings)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        huge = await client.post("/api/users/auth/signup", content=b"x" * 10_000)
        allowed = await client.options(
            "/api/music/albums",
            headers={"Origin": "https://chorus.example", "Access-Control-Request-Method": "GET"},
        )
        foreign = await client.options(
            "/api/music/albums",
            headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
        )

    assert (huge.status_code, huge.json()["error"]["code"]) == (413, "body_too_large")
    assert allowed.headers["access-control-allow-origin"] == "https://chorus.example"
    assert "access-control-allow-origin" not in foreign.headers


async def test_a_body_that_trickles_in_is_408_and_its_connection_closed(namespace: Namespace) -> None:
    settings = gateway_settings(namespace, request_body_seconds=1.0)
    async with serving(create_gateway(settings)) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        head = (
            "POST /api/users/auth/signin HTTP/1.1\r\n"
            f"Host: {host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        )
        writer.write(head.encode() + b'{"user')  # and then nothing more
        answer = await asyncio.wait_for(reader.read(), 15)  # up to the server's close
        writer.close()

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 408 Request Timeout", answer
    assert b'"code":"body_too_slow"' in rest


async def test_close_codes_from_the_room_pass_through_the_gateway(system: System) -> None:
    gateway = system.gateway
    password = "a-long-and-decent-passphrase"
    await gateway.post("/api/users/auth/signup", json={"username": "dave", "password": password})
    token = (
        await gateway.post("/api/users/auth/signin", json={"username": "dave", "password": password})
    ).json()["auth_token"]
    room = (await gateway.post("/api/games/create", headers={"auth_token": token})).json()["lobby_id"]
    base = system.gateway_url.replace("http", "ws", 1)

    async with connect(f"{base}/api/games/wss/lobby/{room}?token={token}", open_timeout=10) as socket:
        for _ in range(ForumsSettings().bad_frames_before_close + 1):
            await socket.send("garbage")
        with pytest.raises(ConnectionClosed) as closed:
            await _read_until_closed(socket)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == CloseCode.POLICY


async def _read_until_closed(socket: ClientConnection) -> None:
    while True:
        await asyncio.wait_for(socket.recv(), 10)


async def test_joining_rooms_counts_against_the_limits_and_past_them_is_refused_with_429(
    system: System,
) -> None:
    password = "a-long-and-decent-passphrase"
    await system.gateway.post("/api/users/auth/signup", json={"username": "erin", "password": password})
    token = (
        await system.gateway.post("/api/users/auth/signin", json={"username": "erin", "password": password})
    ).json()["auth_token"]
    room = (await system.gateway.post("/api/games/create", headers={"auth_token": token})).json()["lobby_id"]
    strict = system.gateway_settings(
        requests_per_minute_per_user=2, forums_urls=[system.urls["forums"]], grpc_port=free_port()
    )
    async with serving(create_gateway(strict)) as url:
        joined = f"{url.replace('http', 'ws', 1)}/api/games/wss/lobby/{room}?token={token}"
        assert await _joins(joined)
        assert await _joins(joined)
        with pytest.raises(InvalidStatus) as refused:
            await _joins(joined)

    assert refused.value.response.status_code == 429
    assert int(refused.value.response.headers["retry-after"]) >= 1
    assert b"rate_limited" in refused.value.response.body


async def _joins(url: str) -> bool:
    """Whether a member joining through ``url`` is welcomed (the socket is closed after)."""
    try:
        async with connect(url, open_timeout=10) as socket:
            return b"welcome" in (await asyncio.wait_for(socket.recv(decode=False), 10))
    except ConnectionClosed:
        return False
