"""Clients of the forums API and its live rooms, for tests."""

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from chorus_backbone.auth import TokenCodec
from chorus_devinfra.probes import publish_envelopes, publish_events
from chorus_schemas import Envelope, Event
from forums.settings import ForumsSettings


class RoomClient:
    """One WebSocket connection to a room."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, frame: dict[str, Any]) -> None:
        await self.connection.send(orjson.dumps(frame).decode())

    async def say(self, text: str) -> None:
        await self.send({"type": "say", "text": text})

    async def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        return dict(orjson.loads(await asyncio.wait_for(self.connection.recv(), timeout)))

    async def next_of(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        """The next frame of one type, skipping others (presence, typing, ...)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            frame = await self.receive(max(0.1, deadline - asyncio.get_running_loop().time()))
            if frame["type"] == kind:
                return frame

    async def presence_of(self, member_ids: set[int], timeout: float = 15.0) -> dict[str, Any]:
        """The first presence frame that lists exactly these members."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            frame = await self.next_of("presence", max(0.1, deadline - asyncio.get_running_loop().time()))
            if {member["id"] for member in frame["members"]} == member_ids:
                return frame

    async def messages(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        return [await self.next_of("message", timeout) for _ in range(count)]

    async def close(self) -> None:
        await self.connection.close()


@dataclass
class ForumsApi:
    """Two forums replicas (or more) sharing the same parts."""

    clients: list[httpx.AsyncClient]
    urls: list[str]
    settings: ForumsSettings

    @property
    def client(self) -> httpx.AsyncClient:
        return self.clients[0]

    def token(self, user_id: int, username: str | None = None) -> str:
        return TokenCodec(self.settings.token_keys()).issue_user_token(user_id, username or f"user{user_id}")

    def user(self, user_id: int, username: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id, username)}"}

    async def open_room(self, creator: int, **body: Any) -> int:
        response = await self.client.post("/api/games/create", json=body or None, headers=self.user(creator))
        assert response.status_code == 200, response.text
        return int(response.json()["lobby_id"])

    async def join(
        self, room_id: int, user_id: int, *, replica: int = 0, since: int | None = None
    ) -> tuple[RoomClient, dict[str, Any]]:
        """Connect and return the connection with its welcome frame."""
        url = self.urls[replica].replace("http://", "ws://") + f"/api/games/wss/lobby/{room_id}"
        url += f"?token={self.token(user_id)}" + (f"&since={since}" if since is not None else "")
        room = RoomClient(await connect(url, open_timeout=10, max_size=2**20))
        welcome = await room.next_of("welcome")
        return room, welcome

    async def publish_again(self, *envelopes: Envelope) -> None:
        """Put these very envelopes on their topics (a redelivery, when they were there before)."""
        await publish_envelopes(self.settings.kafka_bootstrap, self.settings.topic_prefix, list(envelopes))

    async def publish(self, *events: Event, source: str) -> list[Envelope]:
        """Put events on their real topics, as their owning service would."""
        return await publish_events(
            self.settings.kafka_bootstrap, self.settings.topic_prefix, list(events), source=source
        )
