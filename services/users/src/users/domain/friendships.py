"""The friendship between two users, as one record per pair, and its rules.

One record per unordered pair makes every change to a pair touch the same
document, so concurrent requests (even crossing ones) serialize in the database.
"""

from dataclasses import dataclass
from enum import StrEnum

from chorus_backbone.errors import ChorusError, ErrorKind


class PairStatus(StrEnum):
    PENDING = "pending"
    FRIENDS = "friends"


@dataclass(frozen=True)
class Pair:
    """Where two users stand: a pending request (from → to) or friends."""

    status: PairStatus
    requested_by: int
    requested_to: int


def pair_id(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


class RequestOutcome(StrEnum):
    SENT = "sent"
    ACCEPTED_CROSSING = "accepted_crossing"


def decide_request(sender: int, receiver: int, existing: Pair | None) -> RequestOutcome:
    """What a friend request from ``sender`` to ``receiver`` does, given the pair's state."""
    if sender == receiver:
        raise ChorusError(ErrorKind.BAD_REQUEST, "cannot_befriend_self", "you cannot befriend yourself")
    if existing is None:
        return RequestOutcome.SENT
    if existing.status is PairStatus.FRIENDS:
        raise ChorusError(ErrorKind.CONFLICT, "already_friends", "you are already friends")
    if existing.requested_by == sender:
        raise ChorusError(ErrorKind.CONFLICT, "request_pending", "your request is already pending")
    return RequestOutcome.ACCEPTED_CROSSING


def check_resolvable(receiver: int, sender: int, existing: Pair | None) -> None:
    """Only the receiver resolves a pending request, and only one that exists."""
    if (
        existing is None
        or existing.status is not PairStatus.PENDING
        or existing.requested_by != sender
        or existing.requested_to != receiver
    ):
        raise ChorusError(
            ErrorKind.NOT_FOUND, "no_pending_request", "there is no pending request from that user"
        )


def check_removable(existing: Pair | None) -> None:
    if existing is None or existing.status is not PairStatus.FRIENDS:
        raise ChorusError(ErrorKind.NOT_FOUND, "not_friends", "you are not friends with that user")
