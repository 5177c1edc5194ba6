"""Reads the declarative topic file (infra/kafka/topics.toml)."""

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

TOPICS_FILE_ENV = "CHORUS_TOPICS_FILE"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    config: dict[str, str] = field(default_factory=dict)
    description: str = ""


def default_topics_file() -> Path:
    """The file named by CHORUS_TOPICS_FILE, else the repository's infra/kafka/topics.toml."""
    if configured := os.environ.get(TOPICS_FILE_ENV):
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "infra" / "kafka" / "topics.toml"
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no topics file found; set {TOPICS_FILE_ENV}")


def load_topics(path: Path | None = None) -> list[TopicSpec]:
    document = tomllib.loads((path or default_topics_file()).read_text())
    defaults = document.get("defaults", {})
    specs = []
    for name, declared in document.get("topics", {}).items():
        config = {**defaults.get("config", {}), **declared.get("config", {})}
        specs.append(
            TopicSpec(
                name=name,
                partitions=int(declared.get("partitions", defaults.get("partitions", 1))),
                replication_factor=int(
                    declared.get("replication_factor", defaults.get("replication_factor", 1))
                ),
                config={key: str(value) for key, value in config.items()},
                description=declared.get("description", ""),
            )
        )
    return specs
