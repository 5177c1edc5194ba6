"""A burst of joins: N members open a socket to one Chorus room at once and wait for their welcome.

Prints one JSON object: how many were welcomed, how many were refused (and with
which close code or HTTP status), and the time from the first connect to the
last welcome.
"""

import argparse
import asyncio
import time
from collections import Counter
from typing import Any

import orjson
import uvloop
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

JOIN_TIMEOUT = 60.0


async def _join(
    url: str, started: float, outcomes: Counter[str], welcomed_at: list[float]
) -> ClientConnection | None:
    try:
        ws = await connect(url, open_timeout=JOIN_TIMEOUT, ping_interval=None, max_size=2**22)
    except InvalidStatus as refused:
        outcomes[f"http {refused.response.status_code}"] += 1
        return None
    except (OSError, TimeoutError) as failed:
        outcomes[type(failed).__name__] += 1
        return None
    try:
        async with asyncio.timeout(JOIN_TIMEOUT):
            while b'"welcome"' not in await ws.recv(decode=False):
                pass
    except ConnectionClosed as closed:
        outcomes[f"closed {closed.rcvd.code if closed.rcvd else 1006}"] += 1
        return None
    except TimeoutError:
        outcomes["no welcome"] += 1
        ws.transport.abort()
        return None
    welcomed_at.append(time.monotonic() - started)
    outcomes["joined"] += 1
    return ws


async def run(base: str, room: str, tokens: list[str], members: int) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    welcomed_at: list[float] = []
    started = time.monotonic()
    urls = [f"{base}/api/games/wss/lobby/{room}?token={tokens[i % len(tokens)]}" for i in range(members)]
    sockets = await asyncio.gather(*(_join(url, started, outcomes, welcomed_at) for url in urls))
    for ws in sockets:
        if ws is not None:
            ws.transport.abort()
    joined = outcomes.pop("joined", 0)
    return {
        "members": members,
        "joined": joined,
        "refused": sum(outcomes.values()),
        "refusals": dict(outcomes),
        "last_welcome_s": round(max(welcomed_at), 3) if welcomed_at else None,
        "median_welcome_s": round(sorted(welcomed_at)[len(welcomed_at) // 2], 3) if welcomed_at else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="ws:// base of the gateway (or a replica)")
    parser.add_argument("--room", required=True)
    parser.add_argument("--token-file", required=True, help="one token per line, one per member")
    parser.add_argument("--members", type=int, default=1000)
    args = parser.parse_args()
    tokens = open(args.token_file).read().split()  # noqa: SIM115
    print(orjson.dumps(uvloop.run(run(args.url, args.room, tokens, args.members))).decode())


if __name__ == "__main__":
    main()
