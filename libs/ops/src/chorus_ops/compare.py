"""Compares two generations of a projection document by document."""

from dataclasses import dataclass, field
from typing import Any

from chorus_backbone.mongo import Database
from chorus_backbone.projection import Generation

_EXAMPLES = 10


@dataclass
class CollectionDiff:
    """How a rebuilt collection differs from the live one (with a few example ids of each kind)."""

    collection: str
    live_documents: int = 0
    rebuilt_documents: int = 0
    missing: int = 0
    extra: int = 0
    changed: int = 0
    examples: dict[str, list[Any]] = field(
        default_factory=lambda: {"missing": [], "extra": [], "changed": []}
    )

    @property
    def equal(self) -> bool:
        return not (self.missing or self.extra or self.changed)

    def _note(self, kind: str, document_id: Any) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples[kind]) < _EXAMPLES:
            self.examples[kind].append(document_id)


async def compare_collection(
    database: Database, base: str, live: Generation, rebuilt: Generation
) -> CollectionDiff:
    """A merge of both collections in ``_id`` order: memory stays flat however large they are."""
    diff = CollectionDiff(base)
    left = database[live.collection(base)].find().sort("_id", 1)
    right = database[rebuilt.collection(base)].find().sort("_id", 1)
    live_doc = await anext(left, None)
    rebuilt_doc = await anext(right, None)
    while live_doc is not None or rebuilt_doc is not None:
        if rebuilt_doc is None or (live_doc is not None and live_doc["_id"] < rebuilt_doc["_id"]):
            assert live_doc is not None
            diff.live_documents += 1
            diff._note("missing", live_doc["_id"])
            live_doc = await anext(left, None)
        elif live_doc is None or rebuilt_doc["_id"] < live_doc["_id"]:
            diff.rebuilt_documents += 1
            diff._note("extra", rebuilt_doc["_id"])
            rebuilt_doc = await anext(right, None)
        else:
            diff.live_documents += 1
            diff.rebuilt_documents += 1
            if live_doc != rebuilt_doc:
                diff._note("changed", live_doc["_id"])
            live_doc = await anext(left, None)
            rebuilt_doc = await anext(right, None)
    return diff
