"""A member whose connection reads slowly is closed with 4408 and resumes; the others keep up."""

import asyncio
import socket
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client import REGISTRY
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chorus_devinfra.serving import serving
from chorus_schemas.live_room import CloseCode
from forums.api.app import create_app
from forums.settings import ForumsSettings
from forums.testing import ForumsApi, RoomClient

pytestmark = pytest.mark.integration

ROUND = 250
MAX_MESSAGES = 2_000
# ~15 KB frames: the kernel's send buffer for the slow member (autotuned, up to a few MB)
# fills within a round or two, long before the server's keepalive would give up on it.
TEXT = "x" * 15_000


async def _slow_reader(url: str) -> Any:
    """A socket with a tiny receive buffer whose client stops reading after one frame is queued."""
    host, port = url.removeprefix("ws://").split("/", 1)[0].split(":")
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, (host, int(port)))
    # No keepalive pings: their answers would wait behind the backlog this client leaves unread.
    return await connect(url, sock=raw, open_timeout=10, max_queue=1, max_size=2**20, ping_interval=None)


def _slow_members_closed() -> float:
    return REGISTRY.get_sample_value("chorus_live_slow_members_disconnected_total") or 0.0


async def _read_until_closed(client: RoomClient) -> tuple[list[int], int | None]:
    """The message ids the client still gets, and the close code that ends them."""
    seen: list[int] = []
    try:
        while True:
            frame = orjson.loads(await asyncio.wait_for(client.connection.recv(), 10))
            if frame["type"] == "message":
                seen.append(frame["id"])
    except ConnectionClosed as closed:
        return seen, closed.rcvd.code if closed.rcvd else None


async def test_a_member_who_reads_slowly_is_closed_with_4408_resumes_and_the_others_keep_up(
    forums_settings: ForumsSettings,
) -> None:
    settings = forums_settings.model_copy(
        update={
            "member_buffer_bytes": 4096,
            "messages_per_second": 100_000.0,
            "message_burst": 100_000,
            "max_message_chars": 16_000,
            "max_frame_bytes": 64 * 1024,
        }
    )
    async with serving(create_app(settings)) as base, httpx.AsyncClient(base_url=base, timeout=30) as http:
        api = ForumsApi([http], [base], settings)
        room_id = await api.open_room(1)
        ada, _ = await api.join(room_id, 1)
        bob, _ = await api.join(room_id, 2)
        slow_url = base.replace("http://", "ws://") + f"/api/games/wss/lobby/{room_id}?token={api.token(3)}"
        slow = RoomClient(await _slow_reader(slow_url))
        await slow.next_of("welcome")  # and then it reads nothing while the room talks
        closed_before = _slow_members_closed()

        # Talk until the slow member is closed: how much it takes depends on the kernel's
        # socket buffers (they fill first), so the room talks in rounds and Bob keeps up.
        seen_by_bob: list[int] = []
        while _slow_members_closed() == closed_before and len(seen_by_bob) < MAX_MESSAGES:
            for _ in range(ROUND):
                await ada.say(f"{len(seen_by_bob)} {TEXT}")
            seen_by_bob += [m["id"] for m in await bob.messages(ROUND, timeout=30)]
            await ada.messages(ROUND, timeout=30)  # a client that stops reading misses its pongs
        said = len(seen_by_bob)

        # Bob had everything while the slow member had read nothing more: it held nobody up.
        assert seen_by_bob == list(range(1, said + 1))
        seen_by_slow, close_code = await _read_until_closed(slow)
        assert close_code == CloseCode.TOO_SLOW, (close_code, len(seen_by_slow), said)
        assert len(seen_by_slow) < said

        since = seen_by_slow[-1] if seen_by_slow else 0
        resumed, welcome = await api.join(room_id, 3, since=since)
        caught_up = seen_by_slow + [m["id"] for m in welcome["history"]]
        assert caught_up == list(range(1, said + 1))  # in order, nothing missing, nothing twice
        await ada.say("after")
        assert (await resumed.messages(1))[0]["id"] == said + 1
        assert (await bob.messages(1))[0]["id"] == said + 1
        for client in (ada, bob, resumed):
            await client.close()
