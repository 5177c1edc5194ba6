"""A room's log stored as pages: the messages committed together are one document.

A busy room commits dozens of messages at once; one document for them costs the
database one insert instead of dozens (a page holds at most the log's largest batch).
A page is never rewritten except to blank a deleted message, which keeps its place.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from chorus_backbone.mongo import Document
from forums.domain.models import Message

PAGES_COLLECTION = "message_pages"


def page_id(room_id: int, first: int) -> str:
    return f"{room_id}:{first}"


def _entry(user_id: int, username: str | None, text: str) -> Document:
    return {"user_id": user_id, "username": username, "text": text}


def page_of(room_id: int, messages: Sequence[Message], at: datetime) -> Document:
    """The page holding ``messages`` (consecutive ids of one room, oldest first)."""
    first, last = messages[0].id, messages[-1].id
    return {
        "_id": page_id(room_id, first),
        "room_id": room_id,
        "first": first,
        "last": last,
        "at": at,
        "messages": [_entry(m.user_id, m.username, m.text) for m in messages],
        "deleted": [],
    }


def messages_of(page: Document) -> list[Message]:
    """A page's messages, oldest first, deleted ones blanked in their place."""
    deleted = set(page.get("deleted", ()))
    return [
        Message(
            room_id=page["room_id"],
            id=page["first"] + offset,
            user_id=entry["user_id"],
            username=entry.get("username"),
            text="" if page["first"] + offset in deleted else entry["text"],
            at=page["at"],
            deleted=page["first"] + offset in deleted,
        )
        for offset, entry in enumerate(page["messages"])
    ]


def pages_from_messages(documents: Iterable[Document]) -> list[Document]:
    """Pages for messages stored one per document (the log's earlier shape), oldest first:
    one page per message, so each keeps its own time and deletion."""
    pages = []
    for document in documents:
        room_id, seq = document["room_id"], document["seq"]
        pages.append(
            {
                "_id": page_id(room_id, seq),
                "room_id": room_id,
                "first": seq,
                "last": seq,
                "at": document["at"],
                "messages": [
                    {
                        "user_id": document["user_id"],
                        "username": document.get("username"),
                        "text": document["text"],
                    }
                ],
                "deleted": [seq] if document.get("deleted") else [],
            }
        )
    return pages
