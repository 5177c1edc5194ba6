"""Run a service under uvicorn; on SIGTERM it drains its long-lived connections first.

uvicorn's own shutdown ends every WebSocket with 1012 and only then runs the
lifespan's end. A service that registered a drain (``app.state.drain``) gets to
run it after the listening sockets close and before that happens: it leaves the
gateway's registry and closes its sockets with a code that tells clients where
they stand.
"""

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

import uvicorn
from starlette.types import ASGIApp

from chorus_backbone.collector import settle_after_start
from chorus_backbone.request_heads import HeadGuardedProtocol, HeadLimits, head_guarded_protocol
from chorus_backbone.settings import ServerSettings
from chorus_backbone.websocket_wire import WireWebSocketProtocol

logger = logging.getLogger(__name__)

Drain = Callable[[], Awaitable[None]]
DRAIN_SECONDS = 10.0
# No client message is this large (a room frame is a few KiB at most): a larger one closes
# its socket with 1009 (CloseCode.MESSAGE_TOO_BIG) before it is buffered whole (uvicorn's
# default would take 16 MiB).
MAX_SOCKET_MESSAGE_BYTES = 64 * 1024


class DrainingServer(uvicorn.Server):
    def __init__(
        self,
        config: uvicorn.Config,
        *,
        drain: Drain | None,
        drain_seconds: float = DRAIN_SECONDS,
        settle_collector: bool = False,
    ):
        super().__init__(config)
        self._drain = drain
        self._drain_seconds = drain_seconds
        self._settle_collector = settle_collector

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self._settle_collector and self.started:
            settle_after_start()  # a process of its own (see chorus_backbone.collector)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()  # no new connections while the old ones drain
        if self._drain is not None and not self.force_exit:
            drain = asyncio.ensure_future(self._drain())
            # asyncio.wait, not wait_for: a drain stuck on a dead peer is abandoned, not awaited.
            done, _ = await asyncio.wait({drain}, timeout=self._drain_seconds)
            if not done:
                logger.warning("drain did not finish within %ss; shutting down anyway", self._drain_seconds)
                drain.cancel()
            elif (error := drain.exception()) is not None:
                logger.error("drain failed; shutting down anyway", exc_info=error)
        await super().shutdown(sockets)


@runtime_checkable
class ServesItsOwnHttp(Protocol):
    """An app that brings its own HTTP protocol class (the gateway, whose edge reads requests
    straight from the connection); it keeps the head limits given."""

    def http_protocol(self, limits: HeadLimits) -> type[HeadGuardedProtocol]: ...


def draining_server(
    app: ASGIApp,
    *,
    host: str,
    port: int,
    graceful_seconds: int | None = None,
    head_limits: HeadLimits | None = None,
    settle_collector: bool = False,
) -> DrainingServer:
    """``settle_collector``: the process is the service's own (``run``), so once started the
    garbage collector is set for serving (``chorus_backbone.collector``)."""
    limits = head_limits or HeadLimits()
    http = app.http_protocol(limits) if isinstance(app, ServesItsOwnHttp) else head_guarded_protocol(limits)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=http,
        log_config=None,
        # One access line per request comes from the service itself (chorus_backbone.observability),
        # without the query string; uvicorn's would log a WebSocket's ?token= too.
        access_log=False,
        # A request's client is the peer of its connection. uvicorn would take it from
        # X-Forwarded-For whenever the peer is 127.0.0.1 (so at the gateway, from anyone's
        # header, past the per-address limits), parsing the address on every request; the
        # users service reads the gateway's X-Forwarded-For itself where its settings say so.
        proxy_headers=False,
        lifespan="on",
        # Live rooms write frames encoded once for all their members (chorus_backbone.websocket_wire).
        ws=WireWebSocketProtocol,
        ws_max_size=MAX_SOCKET_MESSAGE_BYTES,
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=graceful_seconds,
    )
    return DrainingServer(
        config,
        drain=getattr(getattr(app, "state", None), "drain", None),
        settle_collector=settle_collector,
    )


def run(app: ASGIApp, settings: ServerSettings) -> None:
    """Serve until SIGTERM or SIGINT (what every service's ``python -m`` entry point runs)."""
    draining_server(
        app,
        host=settings.host,
        port=settings.port,
        graceful_seconds=20,
        head_limits=settings.head_limits(),
        settle_collector=True,
    ).run()
