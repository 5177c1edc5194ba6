"""A forums replica told to stop (SIGTERM, as Kubernetes and `docker stop` do) sends its
members away with 1001 "going away"; they reconnect through the gateway with ``since``,
land on the other replica and miss nothing, see nothing twice.

In the test suite the replicas are two ``python -m forums`` processes; with
CHORUS_E2E_GATEWAY_URL set (``just compose-e2e``) they are the two forums containers,
stopped with the container engine.
"""

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from uuid import uuid4

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from chorus_devinfra.probes import eventually, metric_value
from chorus_devinfra.process import free_port
from chorus_devinfra.service_process import ServiceProcess
from chorus_schemas.live_room import CloseCode
from tests.e2e.conftest import Edge, System, external_gateway, forums_settings

pytestmark = pytest.mark.integration

PASSWORD = "a-long-and-decent-passphrase"
STOP_SECONDS = 40
LISTENERS = 4
MESSAGES = 30

STOPPED_BY_SIGTERM = {0, -signal.SIGTERM, 128 + signal.SIGTERM}
SAY_EVERY = 0.25  # within a member's sustained message rate


@dataclass(frozen=True)
class Stopped:
    exit_code: int | None
    log: str


class ForumsReplicas(Protocol):
    async def stop_busiest(self) -> Stopped:
        """SIGTERM the replica with the most room members (the gateway meets a room's members on
        one replica) and wait for it to exit."""
        ...


def _live_members(exposition: str) -> float:
    return metric_value(exposition, "chorus_live_members") or 0.0


# --- two replicas as processes ----------------------------------------------------------------


@dataclass
class ProcessReplicas:
    system: System
    tmp_path: Path
    running: list[ServiceProcess] = field(default_factory=list)

    async def start(self) -> ServiceProcess:
        port = free_port()
        replica = ServiceProcess(
            "forums",
            forums_settings(self.system, port=port),
            port=port,
            log=self.tmp_path / f"forums-{port}.log",
        )
        self.running.append(replica)
        await replica.start()
        return replica

    async def stop_busiest(self) -> Stopped:
        async with httpx.AsyncClient(timeout=10) as client:
            members = [_live_members((await client.get(f"{r.url}/metrics")).text) for r in self.running]
        busiest = self.running[members.index(max(members))]
        exit_code = await busiest.signal_and_wait(signal.SIGTERM, STOP_SECONDS)
        return Stopped(exit_code, busiest.log.read_text())

    async def stop_all(self) -> None:
        for replica in self.running:
            await replica.kill()


@pytest.fixture
async def process_replicas(system_without_forums: System, tmp_path: Path) -> AsyncIterator[ProcessReplicas]:
    replicas = ProcessReplicas(system_without_forums, tmp_path)
    try:
        await replicas.start()
        await replicas.start()
        await eventually(
            lambda: system_without_forums.instances("forums"), lambda known: len(known) == 2, timeout=30
        )
        yield replicas
    finally:
        await replicas.stop_all()


# --- two replicas as containers ---------------------------------------------------------------


@dataclass(frozen=True)
class ContainerReplicas:
    engine: str
    names: list[str]

    async def _run(self, *arguments: str) -> str:
        process = await asyncio.create_subprocess_exec(
            self.engine, *arguments, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await process.communicate()
        return output.decode(errors="replace")

    async def stop_busiest(self) -> Stopped:
        scrape = (
            "import urllib.request as u; print(u.urlopen('http://127.0.0.1:8103/metrics').read().decode())"
        )
        members = [
            _live_members(await self._run("exec", name, "python", "-c", scrape)) for name in self.names
        ]
        name = self.names[members.index(max(members))]
        await self._run("stop", "--time", str(STOP_SECONDS), name)  # SIGTERM, then SIGKILL after the time
        exit_code = (await self._run("inspect", "--format", "{{.State.ExitCode}}", name)).strip()
        code = int(exit_code) if exit_code.lstrip("-").isdigit() else None
        return Stopped(code, await self._run("logs", name))


@pytest.fixture
def deployment(request: pytest.FixtureRequest) -> Iterator[tuple[Edge, ForumsReplicas]]:
    if (url := external_gateway()) is not None:
        names = os.environ.get("CHORUS_E2E_FORUMS_CONTAINERS", "").split(",")
        engine = os.environ.get("CHORUS_E2E_CONTAINER_ENGINE", "podman")
        assert len(names) == 2, "CHORUS_E2E_FORUMS_CONTAINERS names the two forums containers"
        yield Edge(url.rstrip("/"), uuid4().hex[:6]), ContainerReplicas(engine, names)
    else:
        replicas: ProcessReplicas = request.getfixturevalue("process_replicas")
        yield Edge(replicas.system.gateway_url, ""), replicas


# --- the members --------------------------------------------------------------------------------


@dataclass
class Member:
    """One member's view of the room; after a close it resumes with ``since`` as a client does."""

    url: str
    socket: ClientConnection
    seen: list[int] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)
    closes: list[int] = field(default_factory=list)

    async def next_message(self) -> tuple[int, str]:
        while True:
            try:
                frame: dict[str, Any] = orjson.loads(await self.socket.recv())
            except ConnectionClosed:
                await self.resume()
                continue
            # A resumed welcome carries, as its history, exactly the messages missed.
            received = frame.get("history", []) if frame["type"] == "welcome" else [frame]
            for message in received:
                if message["type"] == "message":
                    self.seen.append(int(message["id"]))
                    self.texts[int(message["id"])] = str(message["text"])
            if frame["type"] in ("message", "welcome") and received:
                return self.seen[-1], self.texts[self.seen[-1]]

    async def resume(self) -> None:
        self.closes.append(self.socket.close_code or 1006)
        since = self.seen[-1] if self.seen else 0
        self.socket = await connect(f"{self.url}&since={since}", open_timeout=10)

    async def take(self, count: int, timeout: float = 60) -> None:
        try:
            async with asyncio.timeout(timeout):
                while len(set(self.seen)) < count:
                    await self.next_message()
        except TimeoutError:
            raise AssertionError(f"{self.url[-16:]} saw {self.seen}, closes {self.closes}") from None

    async def say(self, text: str) -> None:
        """Say ``text`` and wait to see it in the log; after a reconnect, only say it again
        when the resumed log does not already hold it."""
        while True:
            with contextlib.suppress(ConnectionClosed):
                await self.socket.send(orjson.dumps({"type": "say", "text": text}).decode())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    while text not in self.texts.values():
                        await self.next_message()
                    return


async def _token(gateway: httpx.AsyncClient, username: str) -> str:
    await gateway.post("/api/users/auth/signup", json={"username": username, "password": PASSWORD})
    signed = await gateway.post("/api/users/auth/signin", json={"username": username, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    return str(signed.json()["auth_token"])


async def _room(gateway: httpx.AsyncClient, token: str, title: str) -> int:
    auth = {"auth_token": token}
    album = (
        await gateway.post(
            "/api/music/albums",
            json={"title": title, "artist": "Massive Attack", "year": 1998},
            headers=auth,
        )
    ).json()["id"]
    await gateway.put(f"/api/reviews/albums/{album}", json={"score": 5}, headers=auth)
    created = await eventually(  # forums learns of the album from ratings.events
        lambda: gateway.post("/api/games/create", json={"album_id": album}, headers=auth),
        lambda response: response.status_code == 200,
        timeout=60,
    )
    return int(created.json()["lobby_id"])


async def test_a_replica_stopped_with_sigterm_sends_members_away_and_they_resume_on_the_other(
    deployment: tuple[Edge, ForumsReplicas],
) -> None:
    edge, replicas = deployment
    async with edge.client() as gateway:
        tokens = [await _token(gateway, edge.name(f"member{number}")) for number in range(LISTENERS + 1)]
        room_id = await _room(gateway, tokens[0], edge.name("Mezzanine"))
    room = f"{edge.websocket_url}/api/games/wss/lobby/{room_id}"
    members = []
    for token in tokens:
        url = f"{room}?token={token}"
        members.append(Member(url, await connect(url, open_timeout=10)))
    speaker, listeners = members[0], members[1:]

    for number in range(10):
        await speaker.say(f"line {number}")
        await asyncio.sleep(SAY_EVERY)
    await asyncio.gather(*(listener.take(10) for listener in listeners))

    stopping = asyncio.create_task(replicas.stop_busiest())  # SIGTERM, mid-conversation
    for number in range(10, MESSAGES):
        await speaker.say(f"line {number}")
        await asyncio.sleep(SAY_EVERY)
    stopped = await stopping
    await asyncio.gather(*(listener.take(MESSAGES) for listener in listeners))

    moved = [member for member in members if member.closes]
    # uvicorn re-raises the SIGTERM once it has shut down: -15 for a process, 143 in a container.
    assert stopped.exit_code in STOPPED_BY_SIGTERM, stopped.log[-3000:]
    assert "members told to resume elsewhere" in stopped.log
    assert "Application shutdown complete" in stopped.log
    assert moved, "no member was on the stopped replica"
    assert all(member.closes == [CloseCode.GOING_AWAY] for member in moved)
    expected = sorted(set(listeners[0].seen))
    assert len(expected) == MESSAGES
    for listener in listeners:
        assert listener.seen == expected  # in order, nothing missing, nothing twice
    assert [listeners[0].texts[i] for i in expected] == [f"line {n}" for n in range(MESSAGES)]
    for member in members:
        await member.socket.close()
