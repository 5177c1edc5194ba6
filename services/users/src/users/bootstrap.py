"""Composition root: builds the users service's runtime from settings."""

from chorus_backbone.runtime import Runtime
from users.settings import UsersSettings


def bootstrap(settings: UsersSettings) -> Runtime:
    return Runtime.from_settings(settings)
