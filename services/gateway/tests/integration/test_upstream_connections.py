"""The edge's connections to the services, against a real HTTP server (uvicorn, as the services run)."""

import asyncio
from collections.abc import AsyncIterator

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from chorus_devinfra.process import free_port
from gateway.upstreams.connections import (
    Answer,
    UpstreamAnswerError,
    UpstreamConnectError,
    UpstreamConnections,
)

pytestmark = pytest.mark.integration

BIG = 1024 * 1024  # past the point where reading from the service pauses for the client


class Service:
    """Answers by path: the client's port (which connection it came on), a big streamed body,
    a slow answer, a closing answer, an echo of the request."""

    def __init__(self) -> None:
        self.slow_released = asyncio.Event()  # the slow answer waits past every client timeout here

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/slow":
            await self.slow_released.wait()
        headers = [(b"content-type", b"text/plain")]
        if path == "/closing":
            headers.append((b"connection", b"close"))
        if path == "/big":
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            for index in range(16):
                await send(
                    {"type": "http.response.body", "body": bytes([index]) * (BIG // 16), "more_body": True}
                )
            await send({"type": "http.response.body", "body": b""})
            return
        if path == "/echo":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            marker = dict(scope["headers"])[b"x-test"].decode()
            content = f"{scope['method']} {scope['query_string'].decode()} {marker} ".encode() + body
        else:
            content = str(scope["client"][1]).encode()
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    port = free_port()
    service = Service()
    server = uvicorn.Server(uvicorn.Config(service, host="127.0.0.1", port=port, log_config=None))
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110  (uvicorn offers no event to wait on)
            await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    service.slow_released.set()
    server.should_exit = True
    await task


def _connections(**overrides: float) -> UpstreamConnections:
    settings = {"per_instance": 4, "keepalive_seconds": 4.0, "connect_seconds": 1.0, "timeout_seconds": 1.0}
    return UpstreamConnections(**{**settings, **overrides})  # type: ignore[arg-type]


async def _body(answer: Answer) -> bytes:
    return b"".join([chunk async for chunk in answer.body()])


async def _get(connections: UpstreamConnections, base_url: str, path: str, method: str = "GET") -> bytes:
    async with connections.request(base_url, method, path.encode(), [], b"") as answer:
        assert answer.status == 200
        return await _body(answer)


async def test_a_request_and_its_answer_go_whole_and_the_connection_is_used_again(base_url: str) -> None:
    connections = _connections()
    headers = [(b"x-test", b"passed on")]
    async with connections.request(base_url, "POST", b"/echo?a=1", headers, b"the body") as answer:
        assert answer.status == 200
        assert (b"content-type", b"text/plain") in answer.headers
        assert await _body(answer) == b"POST a=1 passed on the body"

    first, second = await _get(connections, base_url, "/port"), await _get(connections, base_url, "/port")
    assert first == second  # the same client port: the same connection
    connections.close()


async def test_a_big_answer_streams_through_in_order(base_url: str) -> None:
    connections = _connections()
    async with connections.request(base_url, "GET", b"/big", [], b"") as answer:
        received = b""
        async for chunk in answer.body():
            received += chunk
            await asyncio.sleep(0)  # a slow client: the service is held back, nothing is lost
    assert received == b"".join(bytes([index]) * (BIG // 16) for index in range(16))
    connections.close()


async def test_an_idle_connection_past_keepalive_is_not_used_again(base_url: str) -> None:
    connections = _connections(keepalive_seconds=0.2)
    first = await _get(connections, base_url, "/port")
    await asyncio.sleep(0.3)
    assert await _get(connections, base_url, "/port") != first
    connections.close()


async def test_an_answer_that_closes_its_connection_leaves_it_out_of_the_pool(base_url: str) -> None:
    connections = _connections()
    async with connections.request(base_url, "GET", b"/closing", [], b"") as answer:
        assert await _body(answer)
    first = await _get(connections, base_url, "/port")
    assert await _get(connections, base_url, "/port") == first  # a fresh connection, then reused
    connections.close()


async def test_a_head_answer_has_no_body_and_its_connection_is_not_reused(base_url: str) -> None:
    connections = _connections()
    async with connections.request(base_url, "HEAD", b"/port", [], b"") as answer:
        assert answer.status == 200
        assert await _body(answer) == b""
    assert await _get(connections, base_url, "/port")
    connections.close()


async def test_nothing_listening_is_a_connect_error() -> None:
    connections = _connections()
    with pytest.raises(UpstreamConnectError):
        await _get(connections, f"http://127.0.0.1:{free_port()}", "/port")


async def test_a_service_that_does_not_answer_in_time_is_an_answer_error(base_url: str) -> None:
    connections = _connections(timeout_seconds=0.3)
    with pytest.raises(UpstreamAnswerError):
        await _get(connections, base_url, "/slow")
    assert await _get(connections, base_url, "/port")  # the late answer never reaches another request
    connections.close()


async def test_at_most_per_instance_connections_and_a_wait_past_the_timeout_is_refused(base_url: str) -> None:
    connections = _connections(per_instance=1, timeout_seconds=0.3)
    async with connections.request(base_url, "GET", b"/port", [], b"") as held:
        with pytest.raises(UpstreamConnectError):  # never sent: the edge may send it elsewhere
            await _get(connections, base_url, "/port")
        assert await _body(held)
    assert await _get(connections, base_url, "/port")  # the connection is free again
    connections.close()


async def test_requests_waiting_for_a_connection_get_it_in_turn_as_each_is_released(base_url: str) -> None:
    connections = _connections(per_instance=1, timeout_seconds=2.0)
    served: list[str] = []

    async def waiter(name: str) -> None:
        async with connections.request(base_url, "GET", b"/port", [], b"") as answer:
            served.append(name)
            assert await _body(answer)

    async with connections.request(base_url, "GET", b"/port", [], b"") as held:
        first = asyncio.create_task(waiter("first"))
        await asyncio.sleep(0.05)
        second = asyncio.create_task(waiter("second"))
        await asyncio.sleep(0.05)
        assert served == []  # both wait while the one connection is held
        assert await _body(held)
    await asyncio.gather(first, second)

    assert served == ["first", "second"]
    async with asyncio.timeout(1):  # the slot came back: a new request does not wait
        assert await _get(connections, base_url, "/port")
    connections.close()


async def test_a_request_that_gave_up_waiting_leaves_no_slot_taken(base_url: str) -> None:
    connections = _connections(per_instance=1, timeout_seconds=0.2)
    async with connections.request(base_url, "GET", b"/port", [], b"") as held:
        for _ in range(3):
            with pytest.raises(UpstreamConnectError):
                await _get(connections, base_url, "/port")
        assert await _body(held)
    async with asyncio.timeout(1):
        assert await _get(connections, base_url, "/port")
    connections.close()
