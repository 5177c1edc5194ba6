"""The trivial broadcast server: every text received goes to every connection, encoded once.

It does nothing else, so what the load generator reaches against it is the
ceiling of the load generator, never of the system under test.
"""

import argparse
import asyncio

import uvloop
from websockets.asyncio.server import ServerConnection, broadcast, serve

connections: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    connections.add(ws)
    try:
        async for message in ws:
            broadcast(connections, message)
    finally:
        connections.discard(ws)


async def serve_forever(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, max_size=2**20, ping_interval=None):
        await asyncio.Future()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    uvloop.run(serve_forever(parser.parse_args().port))


if __name__ == "__main__":
    main()
