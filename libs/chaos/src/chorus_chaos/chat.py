"""Members talking in live rooms through the gateway, resuming with `since`, and what must hold.

A member's message is acknowledged when the member sees it come back from the room
(it is stored before anyone sees it). A message whose socket dropped before that is
unanswered: it may or may not be stored, and it is not sent again (the protocol has no
client key to make a resend safe). A member that loses its socket comes back with
``since`` = the last message it saw, so it must see every message of the room's log
after its first position exactly once and in order.
"""

import asyncio
import contextlib
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from chorus_backbone.mongo import Database
from chorus_chaos.ledger import Ledger, LoadSwitch, Outcome, outcome_of
from chorus_chaos.verdict import Verdict
from chorus_chaos.world import Account, RoomSlot
from chorus_schemas.live_room import CloseCode
from forums.store.log_pages import PAGES_COLLECTION, messages_of

KIND = "chat"
SAY_EVERY_SECONDS = 0.5  # well under the per-member rate limit
RECONNECT_PAUSE_SECONDS = 0.2
OPEN_TIMEOUT_SECONDS = 10.0


@dataclass
class View:
    """What one member saw of one room: where it started, and every message id after that."""

    start: int
    received: list[int] = field(default_factory=list)

    @property
    def last(self) -> int:
        return self.received[-1] if self.received else self.start


@dataclass
class ChatLoad:
    websocket_url: str
    views: dict[tuple[int, int], View] = field(default_factory=dict)  # (member, room) → view
    acknowledged: dict[str, tuple[int, int]] = field(default_factory=dict)  # text → (room, id)
    unanswered: set[str] = field(default_factory=set)
    connected: dict[int, int] = field(default_factory=dict)  # member → the room it is in now

    async def talk(
        self,
        http: httpx.AsyncClient,
        switch: LoadSwitch,
        ledger: Ledger,
        member: Account,
        slot: RoomSlot,
    ) -> None:
        said = itertools.count()
        while await switch.may_go():
            room = slot.room_id
            view = self.views.get((member.id, room))
            query = f"?token={member.token}" + (f"&since={view.last}" if view else "")
            close_code: int | None = None
            try:
                async with connect(
                    f"{self.websocket_url}/api/games/wss/lobby/{room}{query}",
                    open_timeout=OPEN_TIMEOUT_SECONDS,
                    max_size=2**22,
                ) as socket:
                    close_code = await self._converse(socket, switch, ledger, member, room, said)
            except InvalidStatus as refused:
                ledger.note(KIND, outcome_of(refused.response.status_code))
            except (OSError, TimeoutError, WebSocketException):
                ledger.note(KIND, Outcome.UNANSWERED)
            self.connected.pop(member.id, None)
            if close_code == CloseCode.UNKNOWN_ROOM:
                await slot.reopen(http, room)
            else:
                await asyncio.sleep(RECONNECT_PAUSE_SECONDS)

    async def _converse(
        self,
        socket: ClientConnection,
        switch: LoadSwitch,
        ledger: Ledger,
        member: Account,
        room: int,
        said: "itertools.count[int]",
    ) -> int | None:
        waiting: set[str] = set()
        speaking: asyncio.Task[None] | None = None
        try:
            async for raw in socket:
                frame: dict[str, Any] = orjson.loads(raw)
                if frame["type"] == "welcome":
                    self._welcome(member.id, room, frame)
                    ledger.note(KIND, Outcome.ACKNOWLEDGED)
                    self.connected[member.id] = room
                    speaking = asyncio.create_task(self._speak(socket, switch, member, said, waiting))
                elif frame["type"] == "message":
                    self.views[(member.id, room)].received.append(frame["id"])
                    if frame["user"]["id"] == member.id and frame["text"] in waiting:
                        waiting.discard(frame["text"])
                        self.acknowledged[frame["text"]] = (room, frame["id"])
                        ledger.note(KIND, Outcome.ACKNOWLEDGED)
        except WebSocketException:
            pass
        finally:
            if speaking is not None:
                speaking.cancel()
                # A send on a socket that just closed ends the speaker with that error.
                with contextlib.suppress(asyncio.CancelledError, WebSocketException):
                    await speaking
            for _ in waiting:
                ledger.note(KIND, Outcome.UNANSWERED)
            self.unanswered |= waiting
        return socket.close_code

    def _welcome(self, member: int, room: int, frame: dict[str, Any]) -> None:
        ids = [message["id"] for message in frame["history"]]
        view = self.views.get((member, room))
        if view is None:  # a first join: the history is context, the member starts after it
            self.views[(member, room)] = View(start=ids[-1] if ids else 0)
        else:  # a resume: the history is exactly what was missed
            view.received.extend(ids)

    async def _speak(
        self,
        socket: ClientConnection,
        switch: LoadSwitch,
        member: Account,
        said: "itertools.count[int]",
        waiting: set[str],
    ) -> None:
        while await switch.may_go():
            text = f"{member.username} says #{next(said)}"
            waiting.add(text)
            async with switch.request():
                await socket.send(orjson.dumps({"type": "say", "text": text}).decode())
            await asyncio.sleep(SAY_EVERY_SECONDS)

    def rooms(self) -> set[int]:
        return {room for _, room in self.views}


async def _logs(forums: Database, rooms: set[int]) -> dict[int, list[tuple[int, str]]]:
    logs: dict[int, list[tuple[int, str]]] = defaultdict(list)
    async for page in forums[PAGES_COLLECTION].find({"room_id": {"$in": sorted(rooms)}}).sort("first", 1):
        logs[page["room_id"]].extend((message.id, message.text) for message in messages_of(page))
    return logs


async def chat_lag(load: ChatLoad, forums: Database) -> list[str]:
    """Members connected to a room that have not yet seen the end of its log."""
    logs = await _logs(forums, set(load.connected.values()))
    return [
        f"member {member} has seen room {room} up to {load.views[(member, room)].last} of {logs[room][-1][0]}"
        for member, room in list(load.connected.items())
        if logs[room] and load.views[(member, room)].last < logs[room][-1][0]
    ]


async def check_chat(load: ChatLoad, forums: Database, verdict: Verdict) -> None:
    logs = await _logs(forums, load.rooms())
    where = {text: (room, seq) for room, log in logs.items() for seq, text in log}
    for room, log in logs.items():
        for text, times in Counter(text for _, text in log).items():
            if times > 1:
                verdict.doubled(f"message {text!r} stored {times} times in room {room}")
    for text, (room, seq) in load.acknowledged.items():
        if where.get(text) != (room, seq):
            verdict.lost(f"message {text!r} acknowledged as {room}:{seq}, stored as {where.get(text)}")
    for (member, room), view in load.views.items():
        expected = [seq for seq, _ in logs[room] if view.start < seq <= view.last]
        if view.received != expected:
            seen, wanted = Counter(view.received), Counter(expected)
            if missing := wanted - seen:
                verdict.lost(f"member {member} missed {sorted(missing)[:10]} of room {room}")
            if repeated := {seq for seq, n in seen.items() if n > 1}:
                verdict.doubled(f"member {member} saw {sorted(repeated)[:10]} of room {room} twice")
            if not (missing or repeated):
                verdict.lost(f"member {member} saw room {room} out of order")
