"""Connect members to rooms and hold them idle until stdin closes; prints `ready` when all are in."""

import argparse
import asyncio
import sys

import uvloop
from websockets.asyncio.client import connect


async def run(base: str, rooms: list[str], tokens: list[str], members: int) -> None:
    gate = asyncio.Semaphore(50)
    sockets = []

    async def join(index: int) -> None:
        async with gate:
            room = rooms[index % len(rooms)]
            ws = await connect(f"{base}/api/games/wss/lobby/{room}?token={tokens[index]}", open_timeout=60)
            while '"welcome"' not in await ws.recv(decode=True):
                pass
            sockets.append(ws)

    await asyncio.gather(*(join(i) for i in range(members)))
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for ws in sockets:
        ws.transport.abort()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--room", action="append", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--members", type=int, required=True)
    args = parser.parse_args()
    tokens = open(args.token_file).read().split()  # noqa: SIM115
    uvloop.run(run(args.url, args.room, tokens, args.members))


if __name__ == "__main__":
    main()
