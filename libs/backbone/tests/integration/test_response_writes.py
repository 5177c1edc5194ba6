"""Each answer's head leaves with its first body bytes, and HTTP stays whole around that:
streamed answers, HEAD, ``100 Continue``, pipelined requests, large bodies, an app failing
after it started its answer. A real server, a raw socket client."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from chorus_devinfra.serving import serving

pytestmark = pytest.mark.integration

LARGE_BODY = b"x" * (300 * 1024)
STREAM_PAUSE_SECONDS = 0.4


async def _small(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def _large(request: Request) -> Response:
    return Response(LARGE_BODY, media_type="application/octet-stream")


async def _echo(request: Request) -> Response:
    return Response(await request.body(), media_type="application/octet-stream")


async def _stream(request: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        await asyncio.sleep(STREAM_PAUSE_SECONDS)
        yield b"first"
        yield b"second"

    return StreamingResponse(chunks(), media_type="text/plain")


async def _fail_after_start(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]})  # type: ignore[operator]
    raise RuntimeError("gave up after starting the answer")


def _app() -> Starlette:
    return Starlette(
        routes=[
            Route("/small", _small, methods=["GET", "HEAD"]),
            Route("/large", _large),
            Route("/echo", _echo, methods=["POST"]),
            Route("/stream", _stream),
            Mount("/fail", app=_fail_after_start),
        ]
    )


async def _connect(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = url.removeprefix("http://").split(":")
    return await asyncio.open_connection(host, int(port))


async def _read_answer(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    lines = head.lower().split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length:"))
    return head, await asyncio.wait_for(reader.readexactly(length), 5)


async def test_a_streamed_answer_sends_its_head_with_its_first_chunk_and_then_the_rest() -> None:
    async with serving(_app()) as url:
        reader, writer = await _connect(url)
        writer.write(b"GET /stream HTTP/1.1\r\nhost: test\r\n\r\n")
        started = asyncio.get_running_loop().time()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        waited = asyncio.get_running_loop().time() - started
        rest = await asyncio.wait_for(reader.readuntil(b"0\r\n\r\n"), 5)
        writer.close()

    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"transfer-encoding: chunked" in head
    assert waited >= STREAM_PAUSE_SECONDS * 0.9, "the head waits for the first chunk"
    assert rest == b"5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n"


async def test_answers_on_one_kept_alive_connection_pipelined_and_large_arrive_whole_and_in_order() -> None:
    async with serving(_app()) as url:
        reader, writer = await _connect(url)
        writer.write(b"GET /small HTTP/1.1\r\nhost: test\r\n\r\nGET /large HTTP/1.1\r\nhost: test\r\n\r\n")
        first = await _read_answer(reader)
        second = await _read_answer(reader)
        writer.write(b"GET /small HTTP/1.1\r\nhost: test\r\n\r\n")
        third = await _read_answer(reader)
        writer.close()

    assert first[0].startswith(b"HTTP/1.1 200 OK")
    assert first[1] == b"ok"
    assert second[0].startswith(b"HTTP/1.1 200 OK")
    assert second[1] == LARGE_BODY
    assert third[1] == b"ok"


async def test_an_answer_to_head_is_sent_without_a_body_to_wait_for() -> None:
    async with serving(_app()) as url:
        reader, writer = await _connect(url)
        writer.write(b"HEAD /small HTTP/1.1\r\nhost: test\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.write(b"GET /small HTTP/1.1\r\nhost: test\r\n\r\n")
        after = await _read_answer(reader)
        writer.close()

    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"content-length: 2" in head
    assert after[1] == b"ok", "no body followed the HEAD answer"


async def test_a_client_expecting_100_continue_gets_it_before_sending_its_body() -> None:
    async with serving(_app()) as url:
        reader, writer = await _connect(url)
        writer.write(b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 5\r\n")
        writer.write(b"expect: 100-continue\r\n\r\n")
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.write(b"hello")
        answer = await _read_answer(reader)
        writer.close()

    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert answer[1] == b"hello"


async def test_an_app_failing_after_starting_its_answer_sends_the_head_and_closes() -> None:
    async with serving(_app()) as url:
        reader, writer = await _connect(url)
        writer.write(b"GET /fail/ HTTP/1.1\r\nhost: test\r\n\r\n")
        received = await asyncio.wait_for(reader.read(), 5)
        writer.close()

    assert received.startswith(b"HTTP/1.1 200 OK")
    assert received.endswith(b"\r\n\r\n"), "the head, then the connection closed without the promised body"
