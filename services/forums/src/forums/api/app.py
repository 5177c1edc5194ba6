"""The forums service's HTTP and WebSocket application."""

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from chorus_backbone.app import create_service_app
from chorus_backbone.runtime import Runtime
from forums.api.lobby_socket import LobbySocket
from forums.api.routes import games, records
from forums.bootstrap import ForumsService, bootstrap
from forums.settings import ForumsSettings

logger = logging.getLogger(__name__)


async def _keep_presence(service: ForumsService) -> None:
    """Renew this replica's members and sweep out those of replicas that died."""
    while True:
        await asyncio.sleep(service.settings.presence_heartbeat_seconds)
        try:
            await service.presence.renew(service.hub.entries())
            await service.rooms.sweep()
        except Exception:
            logger.exception("presence upkeep failed; trying again")


def create_app(settings: ForumsSettings | None = None) -> FastAPI:
    service = bootstrap(settings or ForumsSettings())
    tasks: list[asyncio.Task[None]] = []

    async def on_prepare(_: Runtime) -> None:
        await service.ensure_indexes()

    async def on_start(_: Runtime) -> None:
        service.bus.start(service.hub)
        tasks.append(asyncio.create_task(_keep_presence(service), name="presence"))

    async def on_drain(_: Runtime) -> None:
        sent_away = await service.hub.send_everyone_away()
        logger.info("stopping: %d members told to resume elsewhere", sent_away)

    async def on_stop(_: Runtime) -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await service.announcer.stop()
        await service.bus.stop()

    app = create_service_app(
        service.runtime,
        title="Chorus forums",
        routers=[records.router, games.router],
        sockets=LobbySocket(service.lobby, service.members).route,
        on_start=on_start,
        on_prepare=on_prepare,
        on_drain=on_drain,
        on_stop=on_stop,
    )
    app.state.forums = service
    app.state.tokens = service.tokens
    app.state.rooms = service.rooms
    app.state.records = service.records
    return app
