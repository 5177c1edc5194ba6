"""The users service's HTTP application."""

from fastapi import FastAPI

from chorus_backbone.app import create_service_app
from users.bootstrap import bootstrap
from users.settings import UsersSettings


def create_app(settings: UsersSettings | None = None) -> FastAPI:
    runtime = bootstrap(settings or UsersSettings())
    return create_service_app(runtime, title="Chorus users")
