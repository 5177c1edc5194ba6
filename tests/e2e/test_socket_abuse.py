"""Abusing the live room through the gateway closes the abuser only, with a stated close code,
while a well-behaved member of the same room keeps receiving.

(A member that stops reading is closed with 4408: services/forums/tests/integration/test_slow_members.py.)
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from chorus_devinfra.pytest_plugin import Namespace
from chorus_schemas.live_room import CloseCode
from forums.settings import ForumsSettings
from tests.e2e.conftest import UNLIMITED_REQUESTS, System, running_system

pytestmark = pytest.mark.integration

PASSWORD = "a-long-and-decent-passphrase"
WAITING_HEADS_PER_ADDRESS = 64
HEAD_SECONDS = 2.0
HALF_OPEN_HANDSHAKES = 10_000


@pytest.fixture
async def guarded_system(namespace: Namespace) -> AsyncIterator[System]:
    async with running_system(
        namespace,
        gateway={
            "waiting_connections_per_address": WAITING_HEADS_PER_ADDRESS,
            "request_head_seconds": HEAD_SECONDS,
            **UNLIMITED_REQUESTS,
        },
        forums_replicas=1,
    ) as system:
        yield system


class Room:
    """A room with a speaker and a calm listener, and a way in for abusers."""

    def __init__(self, system: System, room_id: int, tokens: list[str]) -> None:
        self.url = f"{system.gateway_url.replace('http', 'ws', 1)}/api/games/wss/lobby/{room_id}"
        self.tokens = tokens

    def join(self, who: int) -> Any:
        return connect(f"{self.url}?token={self.tokens[who]}", open_timeout=15, max_size=2**20)


async def _frame(socket: ClientConnection, kind: str, timeout: float = 15) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            frame: dict[str, Any] = orjson.loads(await socket.recv())
            if frame["type"] == kind:
                return frame


async def _closed_with(socket: ClientConnection, timeout: float = 20) -> int | None:
    try:
        async with asyncio.timeout(timeout):
            while True:
                await socket.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def _room(system: System) -> Room:
    tokens = []
    for name in ("speaker", "calm", "abuser"):
        credentials = {"username": f"{name}_abuse", "password": PASSWORD}
        await system.gateway.post("/api/users/auth/signup", json=credentials)
        signed = await system.gateway.post("/api/users/auth/signin", json=credentials)
        tokens.append(signed.json()["auth_token"])
    room = await system.gateway.post(
        "/api/games/create", json={"title": "abuse"}, headers={"Authorization": f"Bearer {tokens[0]}"}
    )
    assert room.status_code == 200, room.text
    return Room(system, room.json()["lobby_id"], tokens)


async def _still_hears(speaker: ClientConnection, calm: ClientConnection, text: str) -> None:
    await speaker.send(orjson.dumps({"type": "say", "text": text}).decode())
    while (await _frame(calm, "message"))["text"] != text:
        pass


Abuse = Callable[[ClientConnection], Awaitable[None]]


async def _binary_frames(abuser: ClientConnection) -> None:
    for _ in range(ForumsSettings().bad_frames_before_close + 1):
        await abuser.send(b"\x00\x01binary")


async def _malformed_json(abuser: ClientConnection) -> None:
    for _ in range(ForumsSettings().bad_frames_before_close + 1):
        await abuser.send("{not json")


async def _oversize_frame(abuser: ClientConnection) -> None:
    await abuser.send("x" * (1024 * 1024))


async def _flood(abuser: ClientConnection) -> None:
    settings = ForumsSettings()
    for index in range(settings.message_burst + settings.bad_frames_before_close + 5):
        await abuser.send(orjson.dumps({"type": "say", "text": f"flood {index}"}).decode())


async def test_each_abuse_closes_the_abuser_only_and_the_room_keeps_talking(guarded_system: System) -> None:
    room = await _room(guarded_system)
    abuses: list[tuple[str, Abuse, int]] = [
        ("binary frames", _binary_frames, CloseCode.POLICY),
        ("malformed JSON", _malformed_json, CloseCode.POLICY),
        ("an oversize frame", _oversize_frame, CloseCode.MESSAGE_TOO_BIG),
        ("a flood past the member's rate", _flood, CloseCode.POLICY),
    ]
    async with room.join(0) as speaker, room.join(1) as calm:
        await _frame(speaker, "welcome")
        await _frame(calm, "welcome")
        for name, abuse, code in abuses:
            async with room.join(2) as abuser:
                await _frame(abuser, "welcome")
                with contextlib.suppress(ConnectionClosed):
                    await abuse(abuser)
                assert await _closed_with(abuser) == code, name
            await _still_hears(speaker, calm, f"after {name}")


HalfOpen = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _half_open(host: str, port: int, head: bytes) -> HalfOpen | None:
    """A connection that sends part of a WebSocket handshake's head and then nothing."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
    except (OSError, TimeoutError):
        return None
    writer.write(head)
    return reader, writer


async def _closed_by_server(connection: HalfOpen) -> bool:
    reader, _ = connection
    try:
        return await asyncio.wait_for(reader.read(1), HEAD_SECONDS * 5) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


async def test_ten_thousand_half_open_handshakes_from_one_address_are_cut_and_the_room_keeps_talking(
    guarded_system: System,
) -> None:
    room = await _room(guarded_system)
    host, port = guarded_system.gateway_url.removeprefix("http://").split(":")
    head = (
        f"GET {room.url.split(':' + port, 1)[1]} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n".encode()
    )

    async with room.join(0) as speaker, room.join(1) as calm:
        await _frame(speaker, "welcome")
        await _frame(calm, "welcome")
        connections: list[HalfOpen] = []
        for start in range(0, HALF_OPEN_HANDSHAKES, 500):
            size = min(500, HALF_OPEN_HANDSHAKES - start)
            batch = await asyncio.gather(*(_half_open(host, int(port), head) for _ in range(size)))
            connections += [connection for connection in batch if connection is not None]
            await _still_hears(speaker, calm, f"while {len(connections)} handshakes hang")
        try:
            closed = await asyncio.gather(*(_closed_by_server(connection) for connection in connections))
            # Each was closed by the server: at once past the address's limit, the rest at the deadline.
            assert closed.count(False) == 0, f"{closed.count(False)} of {len(connections)} still open"
            assert len(connections) >= HALF_OPEN_HANDSHAKES * 0.9
        finally:
            for _, writer in connections:
                writer.transport.abort()
        await _still_hears(speaker, calm, "after the handshakes")
        async with room.join(2) as newcomer:  # the same address may connect again
            await _frame(newcomer, "welcome")
