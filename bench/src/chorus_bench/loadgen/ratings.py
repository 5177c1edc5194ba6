"""Sustained ratings through the gateway: each worker is one user rating albums in turn, flat out.

Prints the accepted rate and every user's final score per album, so the harness
can check the aggregates afterwards. The client is aiohttp: httpx's pool looks at every
pooled connection on each request, which with hundreds of raters made the client, not
the system, the limit (~60 ratings/s at 256 raters, the client's core busy).
"""

import argparse
import asyncio
import random
import time

import aiohttp
import orjson
import uvloop


async def run(gateway: str, tokens: list[str], albums: int, duration: float) -> dict[str, object]:
    final: dict[str, float] = {}
    accepted = 0
    failed = 0

    async def worker(index: int, token: str, client: aiohttp.ClientSession) -> None:
        nonlocal accepted, failed
        rng = random.Random(index)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        deadline = time.monotonic() + duration
        album = index % albums
        while time.monotonic() < deadline:
            album = album % albums + 1
            score = rng.randint(1, 10) / 2
            try:
                async with client.put(
                    f"/api/reviews/albums/{album}", data=orjson.dumps({"score": score}), headers=headers
                ) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                failed += 1  # refused or dropped: not acknowledged, so not expected in the aggregate
                continue
            if status == 200:
                accepted += 1
                final[f"{index}:{album}"] = score
            else:
                failed += 1

    connector = aiohttp.TCPConnector(limit=len(tokens))
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(gateway, connector=connector, timeout=timeout) as client:
        started = time.monotonic()
        await asyncio.gather(*(worker(i, t, client) for i, t in enumerate(tokens)))
        elapsed = time.monotonic() - started
    return {
        "accepted": accepted,
        "failed": failed,
        "ratings_per_s": round(accepted / elapsed, 1),
        "final": final,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--albums", type=int, default=20)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    tokens = open(args.token_file).read().split()  # noqa: SIM115
    print(orjson.dumps(uvloop.run(run(args.gateway, tokens, args.albums, args.duration))).decode())


if __name__ == "__main__":
    main()
