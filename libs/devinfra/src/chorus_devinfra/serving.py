"""Serve an ASGI app on a real socket inside a test, so tests speak real HTTP to it."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.types import ASGIApp

from chorus_devinfra.process import free_port

if TYPE_CHECKING:
    from chorus_backbone.request_heads import HeadLimits

logger = logging.getLogger(__name__)
SHUTDOWN_SECONDS = 30.0


@contextlib.asynccontextmanager
async def serving(
    app: ASGIApp, port: int | None = None, head_limits: "HeadLimits | None" = None
) -> AsyncIterator[str]:
    """Run ``app`` as a service runs (lifespan and drain included) and yield its base URL."""
    from chorus_backbone.serve import draining_server  # noqa: PLC0415 (the parts' CLI needs no services)

    port = port or free_port()
    server = draining_server(app, host="127.0.0.1", port=port, graceful_seconds=5, head_limits=head_limits)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("server stopped before it started")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        # Bounded: a connection or shutdown step that never ends must not hang the test run.
        server.should_exit = True
        done, _ = await asyncio.wait({task}, timeout=SHUTDOWN_SECONDS)
        if not done:
            server.force_exit = True
            done, _ = await asyncio.wait({task}, timeout=SHUTDOWN_SECONDS)
        if not done:
            logger.warning("server on port %s did not stop within %ss; abandoned", port, 2 * SHUTDOWN_SECONDS)
            task.cancel()
        elif not task.cancelled() and (error := task.exception()) is not None:
            raise error
