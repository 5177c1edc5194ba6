"""The forums service's HTTP application."""

from fastapi import FastAPI

from chorus_backbone.app import create_service_app
from forums.bootstrap import bootstrap
from forums.settings import ForumsSettings


def create_app(settings: ForumsSettings | None = None) -> FastAPI:
    runtime = bootstrap(settings or ForumsSettings())
    return create_service_app(runtime, title="Chorus forums")
