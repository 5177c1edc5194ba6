"""Serve an ASGI app on a real socket inside a test, so tests speak real HTTP to it."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

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
            logger.warning(
                "server on port %s still stopping after %ss; where its tasks wait:\n%s",
                port,
                SHUTDOWN_SECONDS,
                _where_tasks_wait(),
            )
            server.force_exit = True
            done, _ = await asyncio.wait({task}, timeout=SHUTDOWN_SECONDS)
        if not done:
            logger.warning("server on port %s did not stop within %ss; abandoned", port, 2 * SHUTDOWN_SECONDS)
            task.cancel()
        elif not task.cancelled() and (error := task.exception()) is not None:
            raise error


def _where_tasks_wait() -> str:
    """Each pending task of the loop and the chain of awaits it is suspended in (outermost first):
    what a stuck shutdown waits for."""
    lines = []
    for task in asyncio.all_tasks():
        if task is asyncio.current_task():
            continue
        chain: list[str] = []
        awaited: Any = task.get_coro()
        while awaited is not None and len(chain) < 20:
            frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
            if frame is None:
                chain.append(type(awaited).__name__)  # a future, or a coroutine that has finished
                break
            chain.append(f"{frame.f_code.co_name} ({frame.f_code.co_filename}:{frame.f_lineno})")
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
        lines.append(f"  {task.get_name()}: {' -> '.join(chain)}")
    return "\n".join(lines)
