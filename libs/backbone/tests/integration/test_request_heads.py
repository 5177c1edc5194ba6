"""A connection must send each request's head in time, and one address may keep only so many
new connections waiting for theirs; kept-alive connections and slow responses are not cut."""

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from chorus_backbone.request_heads import HeadLimits
from chorus_devinfra.serving import serving

pytestmark = pytest.mark.integration

LIMITS = HeadLimits(per_address=2, head_timeout_seconds=0.5)
KEEP_ALIVE_SECONDS = 5.0  # uvicorn's default, which the services keep
MAX_REQUESTS_IN_USE = 50_000


async def _answer(request: Request) -> PlainTextResponse:
    await asyncio.sleep(float(request.query_params.get("wait", "0")))
    return PlainTextResponse("ok")


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1), seconds) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


async def test_silent_connections_are_cut_and_capped_while_kept_alive_ones_serve_on() -> None:
    app = Starlette(routes=[Route("/", _answer)])
    async with serving(app, head_limits=LIMITS) as url:
        host, port = url.removeprefix("http://").split(":")
        silent = [await asyncio.open_connection(host, int(port)) for _ in range(2)]
        await asyncio.sleep(0.1)  # both are now waiting for a head: the address's limit
        reader, writer = await asyncio.open_connection(host, int(port))
        assert await _closed_within(reader, 0.3), "a third waiting connection is closed at once"
        writer.close()
        for silent_reader, silent_writer in silent:
            assert await _closed_within(silent_reader, 3.0), "a connection that sends no head is cut"
            silent_writer.close()

        one_connection = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=url, limits=one_connection) as client:
            answers = [await client.get("/") for _ in range(20)]
            slow = await client.get("/", params={"wait": "1.0"})  # a response may take its time
            again = await client.get("/")

    assert [answer.status_code for answer in answers] == [200] * 20
    assert (slow.status_code, again.status_code) == (200, 200)


async def _kept_alive(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes, bytes]:
    """A connection that has had one request answered: its reader and writer, the request, the answer."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    request = f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    writer.write(request)
    return reader, writer, request, await asyncio.wait_for(reader.readuntil(b"ok"), 3)


async def test_a_kept_alive_connection_that_sends_half_a_head_is_cut() -> None:
    app = Starlette(routes=[Route("/", _answer)])
    async with serving(app, head_limits=LIMITS) as url:
        reader, writer, request, first = await _kept_alive(url)
        writer.write(request[:20])  # the next head, begun and never finished
        cut = await _closed_within(reader, 3.0)
        writer.close()

    assert first.startswith(b"HTTP/1.1 200 OK")
    assert cut, "a head begun on a kept-alive connection must arrive within the deadline"


async def test_a_kept_alive_connection_left_idle_is_closed_after_the_keep_alive_timeout() -> None:
    app = Starlette(routes=[Route("/", _answer)])
    async with serving(app, head_limits=LIMITS) as url:
        reader, writer, request, _ = await _kept_alive(url)
        # In use for longer than the timeout: each answer arms it, each next request disarms it.
        loop = asyncio.get_running_loop()
        in_use_until = loop.time() + KEEP_ALIVE_SECONDS + 1.0
        answered = 0
        while loop.time() < in_use_until and answered < MAX_REQUESTS_IN_USE:
            writer.write(request)
            await asyncio.wait_for(reader.readuntil(b"ok"), 3)
            answered += 1
        early = await _closed_within(reader, KEEP_ALIVE_SECONDS - 1.0)
        closed = await _closed_within(reader, 3.0)
        writer.close()

    assert answered > 0
    assert not early, "a connection idle for less than the keep-alive timeout stays open"
    assert closed, "an idle kept-alive connection is closed once the keep-alive timeout has passed"
