"""The users service's HTTP application (and its gRPC server, run alongside)."""

from fastapi import FastAPI

from chorus_backbone.app import create_service_app
from chorus_backbone.runtime import Runtime
from users.api.routes import auth, friends, me
from users.bootstrap import bootstrap
from users.settings import UsersSettings


def create_app(settings: UsersSettings | None = None) -> FastAPI:
    service = bootstrap(settings or UsersSettings())

    async def on_prepare(_: Runtime) -> None:
        await service.ensure_indexes()

    async def on_start(_: Runtime) -> None:
        await service.grpc_server.start()

    async def on_stop(_: Runtime) -> None:
        await service.grpc_server.stop()

    app = create_service_app(
        service.runtime,
        title="Chorus users",
        routers=[auth.router, friends.router, me.router],
        on_start=on_start,
        on_prepare=on_prepare,
        on_stop=on_stop,
    )
    app.state.users = service
    app.state.settings = service.settings
    app.state.accounts = service.accounts
    app.state.friends = service.friends
    app.state.tokens = service.tokens
    return app
