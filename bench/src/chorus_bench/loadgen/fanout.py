"""Open-loop fan-out load: N subscribers in one room, publishers at a fixed rate.

Runs as its own process (pinned to its own core by the harness) and prints one
JSON object. Each published text carries ``~sequence~send_ns~``; a subscriber
finds it without parsing the frame, so the client spends its time on sockets,
not on JSON, and one parser serves every server's protocol.
"""

import argparse
import asyncio
import contextlib
import itertools
import time
from array import array
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvloop
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

CONNECT_CONCURRENCY = 50


@dataclass
class Tally:
    received: int = 0
    latencies_ns: "array[int]" = field(default_factory=lambda: array("q"))
    first_ns: int = 0
    last_ns: int = 0
    closed: int = 0
    close_codes: dict[str, int] = field(default_factory=dict)


def _extract(raw: str | bytes, tally: Tally, now: int) -> None:
    text = raw if isinstance(raw, str) else raw.decode()
    start = 0
    while (first := text.find("~", start)) >= 0:
        second = text.find("~", first + 1)
        third = text.find("~", second + 1)
        if second < 0 or third < 0:
            return
        sent = int(text[second + 1 : third])
        tally.received += 1
        tally.latencies_ns.append(now - sent)
        if not tally.first_ns:
            tally.first_ns = now
        tally.last_ns = now
        start = third + 1


class Protocol:
    """How one server's room is joined and spoken in."""

    def __init__(self, base: list[str], room: str, tokens: list[str]) -> None:
        self.base = base
        self.room = room
        self.tokens = tokens

    def url(self, index: int) -> str:
        raise NotImplementedError

    async def join(self, ws: ClientConnection, index: int) -> None:
        return None

    def say(self, text: str, sequence: int) -> str:
        raise NotImplementedError


class Chorus(Protocol):
    def url(self, index: int) -> str:
        base = self.base[index % len(self.base)]
        return f"{base}/api/games/wss/lobby/{self.room}?token={self.tokens[index % len(self.tokens)]}"

    async def join(self, ws: ClientConnection, index: int) -> None:
        while True:  # the welcome frame comes first, with history and presence
            if b'"welcome"' in _bytes(await ws.recv()):
                return

    def say(self, text: str, sequence: int) -> str:
        return orjson.dumps({"type": "say", "text": text}).decode()


class Channels(Protocol):
    def url(self, index: int) -> str:
        return f"{self.base[index % len(self.base)]}/ws/chat/{self.room}/"

    def say(self, text: str, sequence: int) -> str:
        return orjson.dumps({"message": text}).decode()


class Centrifugo(Protocol):
    def url(self, index: int) -> str:
        return f"{self.base[index % len(self.base)]}/connection/websocket"

    async def join(self, ws: ClientConnection, index: int) -> None:
        await ws.send(orjson.dumps({"id": 1, "connect": {}}).decode())
        await ws.recv()
        await ws.send(orjson.dumps({"id": 2, "subscribe": {"channel": self.room}}).decode())
        await ws.recv()

    def say(self, text: str, sequence: int) -> str:
        return orjson.dumps(
            {"id": 10 + sequence, "publish": {"channel": self.room, "data": {"t": text}}}
        ).decode()


class Echo(Protocol):
    """The trivial broadcast server that measures this client's own ceiling."""

    def url(self, index: int) -> str:
        return self.base[index % len(self.base)]

    def say(self, text: str, sequence: int) -> str:
        return text


PROTOCOLS: dict[str, type[Protocol]] = {
    "chorus": Chorus,
    "channels": Channels,
    "centrifugo": Centrifugo,
    "echo": Echo,
}


def _bytes(raw: str | bytes) -> bytes:
    return raw.encode() if isinstance(raw, str) else raw


async def _subscriber(ws: ClientConnection, tally: Tally) -> None:
    try:
        async for raw in ws:
            _extract(raw, tally, time.monotonic_ns())
    except ConnectionClosed as closed:
        tally.closed += 1
        code = closed.rcvd.code if closed.rcvd else 1006
        tally.close_codes[str(code)] = tally.close_codes.get(str(code), 0) + 1


async def _drain(ws: ClientConnection) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for _ in ws:
            pass


async def run(
    protocol: Protocol, subscribers: int, publishers: int, rate: float, duration: float
) -> dict[str, Any]:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(index: int) -> ClientConnection:
        async with gate:
            ws = await connect(protocol.url(index), max_size=2**22, open_timeout=60, ping_interval=None)
            await asyncio.wait_for(protocol.join(ws, index), 60)
            return ws

    subscriber_sockets = await asyncio.gather(*(open_one(i) for i in range(subscribers)))
    publisher_sockets = await asyncio.gather(*(open_one(subscribers + i) for i in range(publishers)))
    tally = Tally()
    readers = [asyncio.create_task(_subscriber(ws, tally)) for ws in subscriber_sockets]
    drains = [asyncio.create_task(_drain(ws)) for ws in publisher_sockets]
    await asyncio.sleep(0.5)

    interval = 1.0 / rate
    total = int(rate * duration)
    started = time.monotonic()
    started_ns = time.monotonic_ns()
    behind = 0.0
    sent = 0
    cycle = itertools.cycle(publisher_sockets)
    for sequence in range(total):
        due = started + sequence * interval
        pause = due - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        else:
            behind = max(behind, -pause)
        text = f"~{sequence}~{time.monotonic_ns()}~"
        try:
            await next(cycle).send(protocol.say(text, sequence))
            sent += 1
        except ConnectionClosed:
            break
    publish_seconds = time.monotonic() - started
    expected = sent * subscribers
    deadline = time.monotonic() + max(2.0, duration)
    while tally.received < expected and time.monotonic() < deadline:  # noqa: ASYNC110 (a poll with a deadline)
        await asyncio.sleep(0.05)
    for task in readers + drains:
        task.cancel()
    # Dropped, not closed: a polite close per member would only measure the room's goodbyes.
    for ws in [*subscriber_sockets, *publisher_sockets]:
        ws.transport.abort()
    latencies = sorted(tally.latencies_ns)
    window = (tally.last_ns - started_ns) / 1e9 if tally.received else 0.0

    def quantile(q: float) -> float | None:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] / 1e6 if latencies else None

    return {
        "subscribers": subscribers,
        "publishers": publishers,
        "offered_messages_per_s": rate,
        "offered_deliveries_per_s": rate * subscribers,
        "sent": sent,
        "publish_seconds": round(publish_seconds, 3),
        "client_fell_behind_s": round(behind, 3),
        "expected_deliveries": expected,
        "received_deliveries": tally.received,
        "delivered_fraction": round(tally.received / expected, 4) if expected else None,
        "deliveries_per_s": round(tally.received / window, 1) if window else 0.0,
        "p50_ms": quantile(0.50),
        "p99_ms": quantile(0.99),
        "closed_by_server": tally.closed,
        "close_codes": tally.close_codes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--protocol", choices=sorted(PROTOCOLS), required=True)
    parser.add_argument(
        "--url", action="append", required=True, help="ws:// base; repeat to spread over replicas"
    )
    parser.add_argument("--room", default="bench")
    parser.add_argument("--token-file", help="one token per line, one per connection (Chorus)")
    parser.add_argument("--subscribers", type=int, required=True)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument(
        "--rate", type=float, required=True, help="messages per second, all publishers together"
    )
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args()
    tokens = open(args.token_file).read().split() if args.token_file else []  # noqa: SIM115
    protocol = PROTOCOLS[args.protocol](args.url, args.room, tokens)
    result = uvloop.run(run(protocol, args.subscribers, args.publishers, args.rate, args.duration))
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
