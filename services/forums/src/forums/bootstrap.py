"""Composition root: builds the forums service's runtime from settings."""

from chorus_backbone.runtime import Runtime
from forums.settings import ForumsSettings


def bootstrap(settings: ForumsSettings) -> Runtime:
    return Runtime.from_settings(settings)
