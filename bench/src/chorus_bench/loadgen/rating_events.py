"""PUT a rating through the gateway and time it until the album room's `rating.changed` frame arrives."""

import argparse
import asyncio
import time

import httpx
import orjson
import uvloop
from websockets.asyncio.client import connect


async def run(
    gateway: str, token: str, room: str, album: int, count: int, interval: float
) -> dict[str, object]:
    ws_url = gateway.replace("http://", "ws://") + f"/api/games/wss/lobby/{room}?token={token}"
    latencies: list[float] = []
    answered: list[float] = []  # the PUT's own answer, part of every latency above
    missing = 0
    async with connect(ws_url, max_size=2**22) as ws, httpx.AsyncClient(base_url=gateway, timeout=30) as http:
        while '"welcome"' not in await ws.recv(decode=True):
            pass
        headers = {"Authorization": f"Bearer {token}"}
        for index in range(count):
            score = 3.0 if index % 2 else 3.5
            started = time.monotonic()
            response = await http.put(f"/api/reviews/albums/{album}", json={"score": score}, headers=headers)
            response.raise_for_status()
            answered.append((time.monotonic() - started) * 1000)
            try:
                async with asyncio.timeout(10):
                    while True:
                        frame = orjson.loads(await ws.recv())
                        if frame.get("name") == "rating.changed" and frame["data"].get("score") == score:
                            break
                latencies.append((time.monotonic() - started) * 1000)
            except TimeoutError:
                missing += 1
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    def quantile(values: list[float], q: float) -> float | None:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None

    return {
        "ratings": count,
        "frames": len(latencies),
        "missing": missing,
        "p50_ms": quantile(latencies, 0.5),
        "p99_ms": quantile(latencies, 0.99),
        "put_answered_p50_ms": quantile(answered, 0.5),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--room", required=True)
    parser.add_argument("--album", type=int, default=1)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.05)
    args = parser.parse_args()
    result = uvloop.run(run(args.gateway, args.token, args.room, args.album, args.count, args.interval))
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
