"""Topic names, in one place, with an optional namespace prefix for isolated test runs."""

from dataclasses import dataclass
from enum import StrEnum

DLQ_SUFFIX = ".dlq"


class Topic(StrEnum):
    """The logical topics of the Chorus bus (see events.md)."""

    USERS_EVENTS = "users.events"
    RATINGS_EVENTS = "ratings.events"
    RATINGS_COMMANDS = "ratings.commands"
    FORUMS_EVENTS = "forums.events"


@dataclass(frozen=True)
class TopicNames:
    """Resolves logical topics to physical names under an optional prefix.

    Production uses no prefix; tests give every run its own prefix so that runs
    never read each other's events.
    """

    prefix: str = ""

    def name(self, topic: Topic | str) -> str:
        return f"{self.prefix}{topic}"

    def dlq(self, topic: Topic | str) -> str:
        return f"{self.name(topic)}{DLQ_SUFFIX}"
