"""The gateway's HTTP protocol: `/api/...` requests go to the edge as soon as their head is read.

uvicorn parses every request (and keeps its limits: the head deadline and per-address
cap of `chorus_backbone.request_heads`, keep-alive, pipelining, flow control). A
request for `/api/...` that is not a WebSocket upgrade becomes an `Exchange` served
by the edge directly; anything else (the room socket, documents, health, metrics,
the web client) takes uvicorn's ASGI cycle to the FastAPI app as usual. Proxying
is the gateway's hot path: ASGI's scope and messages, the app's middleware and the
answer's re-validation cost more than the edge's own checks.
"""

import urllib.parse
from collections.abc import Callable
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from chorus_backbone.request_heads import HeadGuardedProtocol, HeadLimits, head_guarded_protocol
from gateway.edge.exchange import ConnectionExchange
from gateway.edge.hot_path import ApiEdge

API_PREFIX = b"/api/"


class EdgeHttpProtocol(HeadGuardedProtocol):
    """uvicorn's protocol (with the head guards), handing `/api/...` requests to the edge."""

    edge: Callable[[], ApiEdge]
    takes_cross_origin: bool  # False while CORS is configured: its middleware must see those

    def on_message_begin(self) -> None:
        # uvicorn's ASGI scope is made only for a request that goes to ASGI (_to_asgi).
        self._head_begun = True
        self.url = b""
        self.expect_100_continue = False
        self.headers = []

    def on_headers_complete(self) -> None:
        parsed = httptools.parse_url(self.url)
        if (
            not parsed.path.startswith(API_PREFIX)
            or self.parser.should_upgrade()
            or (not self.takes_cross_origin and any(name == b"origin" for name, _ in self.headers))
        ):
            self._to_asgi()
            return
        self._head_arrived()
        raw_path = parsed.path
        path = raw_path.decode("ascii")
        if "%" in path:
            path = urllib.parse.unquote(path)
        http_version = self.parser.get_http_version()
        exchange = ConnectionExchange(
            method=self.parser.get_method().decode("ascii"),
            target=raw_path + b"?" + parsed.query if parsed.query else raw_path,
            path=path,
            headers=self.headers,
            client=self.client,
            transport=self.transport,
            flow=self.flow,
            default_headers=self.server_state.default_headers,
            keep_alive=http_version != "1.0" and self.parser.should_keep_alive(),
            expect_100_continue=self.expect_100_continue,
            on_response=self.on_response_complete,
        )
        previous = self.cycle
        self.cycle = exchange  # type: ignore[assignment]
        if previous is None or previous.response_complete:
            self._start_asgi_task(exchange, None)
        else:  # pipelined behind a request still being answered
            self.flow.pause_reading()
            self.pipeline.appendleft((exchange, None))  # type: ignore[arg-type]

    def _to_asgi(self) -> None:
        url, headers, expect_100_continue = self.url, self.headers, self.expect_100_continue
        HttpToolsProtocol.on_message_begin(self)  # the scope, as uvicorn makes it
        self.url, self.expect_100_continue = url, expect_100_continue
        self.headers.extend(headers)  # the list the scope holds
        super().on_headers_complete()

    def _start_asgi_task(self, cycle: RequestResponseCycle | ConnectionExchange, app: Any) -> None:
        if not isinstance(cycle, ConnectionExchange):
            super()._start_asgi_task(cycle, app)
            return
        task = self.loop.create_task(self.edge().serve(cycle))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)


def edge_protocol(
    limits: HeadLimits, edge: Callable[[], ApiEdge], *, cross_origin: bool
) -> type[EdgeHttpProtocol]:
    """The protocol class for one gateway server: its head limits, its edge (built at start-up), and
    whether it takes cross-origin requests itself (``False`` leaves them to ASGI's CORS middleware)."""
    guarded = head_guarded_protocol(limits)
    return type(
        "EdgeHttpProtocol",
        (EdgeHttpProtocol,),
        {
            "waiting": guarded.waiting,
            "head_timeout_seconds": guarded.head_timeout_seconds,
            "edge": staticmethod(edge),
            "takes_cross_origin": cross_origin,
        },
    )
