"""The base every event schema derives from."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from chorus_schemas.topics import Topic


class Event(BaseModel):
    """A versioned, immutable event or command payload.

    ``TYPE`` and ``VERSION`` identify the schema on the wire; a change that would
    break a consumer of an existing version is published as a new version.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[Topic]

    def partition_key(self) -> str:
        """The aggregate id that orders this event among its siblings."""
        raise NotImplementedError
