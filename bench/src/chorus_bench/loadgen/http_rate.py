"""Open-loop HTTP GETs at a fixed rate over keep-alive connections; prints p50/p99 as JSON.

Requests are sent on schedule whatever the answers do (no coordinated omission):
latency counts from when a request was due, not from when a connection was free.
"""

import argparse
import asyncio
import time
from urllib.parse import urlsplit

import orjson
import uvloop


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bytes:
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("closed by the server")
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status_line


async def _connection(
    host: str,
    port: int,
    request: bytes,
    queue: asyncio.Queue[int | None],
    latencies: list[int],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (due := await queue.get()) is not None:
            try:
                status_line = await _exchange(reader, writer, request)
            except (OSError, asyncio.IncompleteReadError, RuntimeError):
                # An idle keep-alive connection the server closed: reconnect and send again.
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                status_line = await _exchange(reader, writer, request)
            latencies.append(time.monotonic_ns() - due)
            if not status_line.startswith(b"HTTP/1.1 2"):
                errors.append(1)
    finally:
        writer.close()


async def run(
    url: str, rate: float, duration: float, connections: int, headers: list[str]
) -> dict[str, object]:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    head = "".join(f"{h}\r\n" for h in headers)
    request = f"GET {path} HTTP/1.1\r\nHost: {parts.hostname}\r\n{head}\r\n".encode()
    queue: asyncio.Queue[int | None] = asyncio.Queue()
    latencies: list[int] = []
    errors: list[int] = []
    workers = [
        asyncio.create_task(
            _connection(parts.hostname or "127.0.0.1", parts.port or 80, request, queue, latencies, errors)
        )
        for _ in range(connections)
    ]
    started = time.monotonic()
    total = int(rate * duration)
    for index in range(total):
        due = started + index / rate
        pause = due - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        queue.put_nowait(time.monotonic_ns() - int((time.monotonic() - due) * 1e9))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.wait_for(asyncio.gather(*workers), duration + 30)
    ordered = sorted(latencies)

    def quantile(q: float) -> float | None:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6 if ordered else None

    return {
        "rate": rate,
        "requests": len(ordered),
        "errors": len(errors),
        "p50_ms": quantile(0.5),
        "p99_ms": quantile(0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    result = uvloop.run(run(args.url, args.rate, args.duration, args.connections, args.header))
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
