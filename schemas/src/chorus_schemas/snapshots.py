"""JSON Schema snapshots of every event version: export, and a check that fails when stale.

Snapshots are committed so that a change to a published event shows in review, and
so that a breaking change to an existing version fails loudly instead of reaching
consumers that still read the old one.
"""

from dataclasses import dataclass, field
from pathlib import Path

import orjson

from chorus_schemas.compatibility import Schema, breaking_changes
from chorus_schemas.envelope import Envelope
from chorus_schemas.events.base import Event
from chorus_schemas.registry import EVENT_TYPES

SNAPSHOT_DIR = Path(__file__).resolve().parents[2] / "snapshots"
ENVELOPE_FILE = "envelope.json"


def snapshot_name(event_type: type[Event]) -> str:
    return f"{event_type.TYPE}.v{event_type.VERSION}.json"


def event_schema(event_type: type[Event]) -> Schema:
    schema = event_type.model_json_schema()
    schema["x-topic"] = str(event_type.TOPIC)
    schema["x-event-type"] = event_type.TYPE
    schema["x-event-version"] = event_type.VERSION
    return schema


def current_schemas() -> dict[str, Schema]:
    schemas = {snapshot_name(event_type): event_schema(event_type) for event_type in EVENT_TYPES}
    schemas[ENVELOPE_FILE] = Envelope.model_json_schema()
    return schemas


def _dump(schema: Schema) -> bytes:
    return orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


@dataclass
class SnapshotReport:
    """What differs between the code's schemas and the committed snapshots."""

    breaking: dict[str, list[str]] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaking and not self.stale


def compare(directory: Path = SNAPSHOT_DIR) -> SnapshotReport:
    report = SnapshotReport()
    schemas = current_schemas()
    for name, schema in schemas.items():
        path = directory / name
        if not path.exists():
            report.stale.append(name)
            continue
        committed = orjson.loads(path.read_bytes())
        if committed == orjson.loads(_dump(schema)):
            continue
        problems = breaking_changes(committed, schema)
        if problems:
            report.breaking[name] = problems
        else:
            report.stale.append(name)
    for path in sorted(directory.glob("*.json")):
        if path.name not in schemas:
            report.breaking[path.name] = ["a published event version was removed"]
    return report


def write(directory: Path = SNAPSHOT_DIR) -> SnapshotReport:
    """Write additive changes; refuse to overwrite a snapshot with a breaking one."""
    report = compare(directory)
    if report.breaking:
        return report
    directory.mkdir(parents=True, exist_ok=True)
    for name in report.stale:
        (directory / name).write_bytes(_dump(current_schemas()[name]))
    return report
