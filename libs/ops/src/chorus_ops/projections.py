"""The projections services declare (entry point group ``chorus.projections``), found by name."""

from importlib.metadata import entry_points
from typing import Any

from chorus_backbone.projection import ProjectionSpec

ENTRY_POINT_GROUP = "chorus.projections"


class UnknownProjectionError(LookupError):
    pass


def declared_projections() -> dict[str, ProjectionSpec[Any]]:
    found: dict[str, ProjectionSpec[Any]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        spec = entry.load()
        found[spec.name] = spec
    return found


def projection_named(name: str) -> ProjectionSpec[Any]:
    projections = declared_projections()
    if name not in projections:
        known = ", ".join(sorted(projections)) or "none installed"
        raise UnknownProjectionError(f"no projection named {name!r} (known: {known})")
    return projections[name]
