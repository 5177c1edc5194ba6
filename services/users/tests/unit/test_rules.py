"""Account and friendship rules, without any I/O."""

import pytest

from chorus_backbone.errors import ChorusError, ErrorKind
from users.domain.accounts import check_password, check_username, username_key
from users.domain.friendships import (
    Pair,
    PairStatus,
    RequestOutcome,
    check_removable,
    check_resolvable,
    decide_request,
    pair_id,
)


def test_usernames_are_unique_regardless_of_case() -> None:
    assert username_key("Ada") == username_key("aDA")


@pytest.mark.parametrize("username", ["ada", "A.d-a_1", "x" * 32])
def test_valid_usernames_pass(username: str) -> None:
    check_username(username)


def test_a_password_containing_the_username_in_any_case_is_weak() -> None:
    with pytest.raises(ChorusError) as refused:
        check_password("xxADAxx-long", "ada")

    assert refused.value.code == "weak_password"


def test_a_pair_has_one_id_whichever_way_round() -> None:
    assert pair_id(7, 3) == pair_id(3, 7) == "3:7"


def test_a_first_request_is_sent_and_a_crossing_one_accepts() -> None:
    pending = Pair(PairStatus.PENDING, requested_by=2, requested_to=1)

    assert decide_request(1, 2, None) is RequestOutcome.SENT
    assert decide_request(1, 2, pending) is RequestOutcome.ACCEPTED_CROSSING


@pytest.mark.parametrize(
    ("sender", "existing", "kind"),
    [
        (1, None, ErrorKind.BAD_REQUEST),  # to yourself
        (2, Pair(PairStatus.PENDING, requested_by=2, requested_to=1), ErrorKind.CONFLICT),
        (2, Pair(PairStatus.FRIENDS, requested_by=1, requested_to=2), ErrorKind.CONFLICT),
    ],
)
def test_requests_that_cannot_be_made(sender: int, existing: Pair | None, kind: ErrorKind) -> None:
    with pytest.raises(ChorusError) as refused:
        decide_request(sender, 1, existing)

    assert refused.value.kind is kind


def test_only_the_receiver_of_a_pending_request_can_resolve_it() -> None:
    pending = Pair(PairStatus.PENDING, requested_by=1, requested_to=2)

    check_resolvable(receiver=2, sender=1, existing=pending)
    with pytest.raises(ChorusError):
        check_resolvable(receiver=1, sender=2, existing=pending)
    with pytest.raises(ChorusError):
        check_removable(pending)
