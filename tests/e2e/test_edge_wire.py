"""The edge on the wire: what a client sends over one connection, byte for byte.

The gateway reads `/api/...` requests with its own protocol, so these check the HTTP/1.1
it speaks there: pipelined requests answered in order, HEAD, HTTP/1.0, `Expect:
100-continue`, answers streamed from a service (chunked or with their length), a client
that leaves mid-body, and cross-origin requests passing CORS. The service behind is a
real HTTP server (uvicorn) answering by path.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from chorus_backbone.auth import TokenCodec
from chorus_devinfra.pytest_plugin import Namespace
from chorus_devinfra.serving import serving
from gateway.api.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from tests.e2e.conftest import gateway_settings

pytestmark = pytest.mark.integration

STREAMED = 1024 * 1024  # more than arrives with an answer's head: relayed as it comes


async def _service(scope: Scope, receive: Receive, send: Send) -> None:
    """Streams on /stream (chunked) and /sized (with a length); echoes a POST's body; else its path."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path.endswith(("/stream", "/sized")):
        headers = [(b"content-type", b"application/octet-stream")]
        if path.endswith("/sized"):
            headers.append((b"content-length", str(STREAMED).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for index in range(16):
            await asyncio.sleep(0.001)
            chunk = bytes([index]) * (STREAMED // 16)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    content = body if scope["method"] == "POST" else path.encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else content})


def _settings(namespace: Namespace, service: str, **overrides: object) -> GatewaySettings:
    return gateway_settings(
        namespace,
        redis_key_prefix=f"{namespace.redis_prefix}wire:",  # no registry of its own: only the service
        users_url=service,
        reviews_url=service,
        cors_origins=["https://chorus.example"],
        **overrides,
    )


@pytest.fixture(scope="module")
async def gateway_url(module_namespace: Namespace) -> AsyncIterator[str]:
    async with serving(_service) as service:
        settings = _settings(module_namespace, service)
        async with serving(create_gateway(settings)) as url:
            yield url


@pytest.fixture(scope="module")
def token(module_namespace: Namespace) -> str:
    """A user's token, as the users service would issue it (the same keys)."""
    return TokenCodec(_settings(module_namespace, "http://unused").token_keys()).issue_user_token(7, "ada")


async def _exchange(url: str, wire: bytes, *, until_close: bool = False, expect: int = 1) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(wire)
        if until_close:
            return await asyncio.wait_for(reader.read(), 10)
        received = b""
        while received.count(b"HTTP/1.1 ") < expect or not _last_answer_whole(received):
            chunk = await asyncio.wait_for(reader.read(65536), 10)
            assert chunk, f"closed early after {received!r}"
            received += chunk
        return received
    finally:
        writer.close()


def _last_answer_whole(received: bytes) -> bool:
    """Whether the last answer in ``received`` has all the body its content-length declares."""
    head, separator, body = received.rpartition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.rpartition(b"HTTP/1.1 ")[2].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


async def test_pipelined_requests_are_answered_in_order_on_one_connection(gateway_url: str) -> None:
    wire = b"".join(f"GET /api/music/albums/{n} HTTP/1.1\r\nHost: chorus\r\n\r\n".encode() for n in (1, 2, 3))
    received = await _exchange(gateway_url, wire, expect=3)

    answers = received.split(b"HTTP/1.1 ")[1:]
    assert [answer.split(b"\r\n\r\n", 1)[1] for answer in answers] == [
        b"/api/music/albums/1",
        b"/api/music/albums/2",
        b"/api/music/albums/3",
    ]
    assert all(answer.startswith(b"200 OK") and b"x-request-id: " in answer for answer in answers)


async def test_a_head_request_gets_the_length_and_no_body_and_the_connection_goes_on(
    gateway_url: str, token: str
) -> None:
    wire = (
        f"HEAD /api/music/albums/7 HTTP/1.1\r\nHost: chorus\r\nAuthorization: Bearer {token}\r\n\r\n"
        "GET /api/music/albums/8 HTTP/1.1\r\nHost: chorus\r\n\r\n"
    ).encode()
    received = await _exchange(gateway_url, wire, expect=2)

    head_answer, get_answer = received.split(b"HTTP/1.1 ")[1:]
    assert head_answer.startswith(b"200 OK")
    assert b"content-length: 19\r\n" in head_answer
    assert head_answer.endswith(b"\r\n\r\n")  # no body: the next bytes are the next answer
    assert get_answer.endswith(b"\r\n\r\n/api/music/albums/8")


async def test_an_http_1_0_request_is_answered_and_its_connection_closed(gateway_url: str) -> None:
    received = await _exchange(
        gateway_url, b"GET /api/music/albums/5 HTTP/1.0\r\nHost: chorus\r\n\r\n", until_close=True
    )

    assert received.startswith(b"HTTP/1.1 200 OK")
    assert b"connection: close\r\n" in received
    assert received.endswith(b"\r\n\r\n/api/music/albums/5")


async def test_a_body_sent_after_100_continue_is_forwarded(gateway_url: str) -> None:
    host, port = gateway_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    body = b'{"username": "ada", "password": "x"}'
    writer.write(
        b"POST /api/users/auth/signin HTTP/1.1\r\nHost: chorus\r\nContent-Type: application/json\r\n"
        b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    writer.write(body)
    answer = await asyncio.wait_for(reader.readuntil(body), 10)
    writer.close()

    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert answer.startswith(b"HTTP/1.1 200 OK")


@pytest.mark.parametrize("path", ["/api/music/albums/stream", "/api/music/albums/sized"])
async def test_a_streamed_answer_arrives_whole_and_in_order(gateway_url: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        answer = await client.get(path)
        after = await client.get("/api/music/albums/9")  # the connection is fine afterwards

    expected = b"".join(bytes([index]) * (STREAMED // 16) for index in range(16))
    assert (answer.status_code, answer.content) == (200, expected)
    if path.endswith("/sized"):
        assert answer.headers["content-length"] == str(STREAMED)
    else:
        assert answer.headers["transfer-encoding"] == "chunked"
    assert after.text == "/api/music/albums/9"


async def test_a_client_that_leaves_mid_body_leaves_the_gateway_serving(gateway_url: str) -> None:
    host, port = gateway_url.removeprefix("http://").split(":")
    _, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /api/users/auth/signin HTTP/1.1\r\nHost: chorus\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10
    )
    await writer.drain()
    writer.close()
    await asyncio.sleep(0.2)

    async with httpx.AsyncClient(base_url=gateway_url) as client:
        answer = await client.post("/api/users/auth/signin", content=b"whole")
    assert (answer.status_code, answer.content) == (200, b"whole")


async def test_a_cross_origin_read_passes_cors_and_reaches_the_service(gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url) as client:
        allowed = await client.get("/api/music/albums/3", headers={"Origin": "https://chorus.example"})
        foreign = await client.get("/api/music/albums/3", headers={"Origin": "https://elsewhere.example"})
        same_site = await client.get("/api/music/albums/3")

    assert (allowed.status_code, allowed.text) == (200, "/api/music/albums/3")
    assert allowed.headers["access-control-allow-origin"] == "https://chorus.example"
    assert allowed.headers["x-request-id"]
    assert "access-control-allow-origin" not in foreign.headers
    assert (same_site.status_code, same_site.text) == (200, "/api/music/albums/3")


async def test_a_forwarded_for_header_from_a_client_does_not_escape_the_per_address_limit(
    module_namespace: Namespace,
) -> None:
    async with serving(_service) as service:
        strict = _settings(module_namespace, service, requests_per_minute_per_address=3)
        async with serving(create_gateway(strict)) as url, httpx.AsyncClient(base_url=url) as client:
            answers = [
                await client.get(
                    "/api/music/albums/1",
                    # cross-origin: through CORS and ASGI, where the client address was once
                    # taken from this header for any peer on 127.0.0.1
                    headers={"Origin": "https://chorus.example", "X-Forwarded-For": f"10.0.0.{n}"},
                )
                for n in range(4)
            ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]


async def test_a_head_request_refused_at_the_edge_gets_the_length_of_the_refusal_and_no_body(
    gateway_url: str,
) -> None:
    wire = (
        b"HEAD /api/users/me HTTP/1.1\r\nHost: chorus\r\n\r\n"
        b"GET /api/music/albums/4 HTTP/1.1\r\nHost: chorus\r\n\r\n"
    )
    received = await _exchange(gateway_url, wire, expect=2)

    refusal, get_answer = received.split(b"HTTP/1.1 ")[1:]
    assert refusal.startswith(b"401 Unauthorized")
    assert b"content-length: " in refusal
    assert refusal.endswith(b"\r\n\r\n")
    assert get_answer.endswith(b"\r\n\r\n/api/music/albums/4")
