"""The users handlers on in-memory ports: what each use case stores and announces."""

import pytest

from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.memory import InMemoryUnitOfWork
from chorus_schemas.events.users import (
    FriendAccepted,
    FriendDeclined,
    FriendRemoved,
    FriendRequested,
    UserRegistered,
)
from users.domain.friendships import RequestOutcome
from users.handlers.accounts import Accounts
from users.handlers.friends import Friends
from users.store.memory import InMemoryFriendshipRepository, InMemoryUserRepository

PASSWORD = "a-long-and-decent-passphrase"


class Tokens:
    def issue_user_token(self, user_id: int, username: str) -> str:
        return f"token-of-{user_id}-{username}"


class Attempts:
    """Counts failures; refuses after ``limit`` of them for one account."""

    def __init__(self, limit: int = 2) -> None:
        self.limit = limit
        self.failures: dict[str, int] = {}

    async def check(self, account: str, address: str) -> None:
        if self.failures.get(account, 0) >= self.limit:
            raise ChorusError(
                ErrorKind.RATE_LIMITED, "too_many_failed_signins", "wait", retry_after_seconds=1
            )

    async def record_failure(self, account: str, address: str) -> None:
        self.failures[account] = self.failures.get(account, 0) + 1

    async def record_success(self, account: str) -> None:
        self.failures.pop(account, None)


@pytest.fixture
def unit_of_work() -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork()


@pytest.fixture
def users() -> InMemoryUserRepository:
    return InMemoryUserRepository()


@pytest.fixture
def accounts(users: InMemoryUserRepository, unit_of_work: InMemoryUnitOfWork) -> Accounts:
    return Accounts(users, unit_of_work, Tokens(), Attempts())


@pytest.fixture
def friends(users: InMemoryUserRepository, unit_of_work: InMemoryUnitOfWork) -> Friends:
    return Friends(users, InMemoryFriendshipRepository(), unit_of_work)


async def test_signing_up_stores_the_account_and_announces_it(
    accounts: Accounts, unit_of_work: InMemoryUnitOfWork
) -> None:
    user = await accounts.register("Ada", PASSWORD)

    assert (await accounts.profile(user.id)).username == "Ada"
    assert unit_of_work.announced == [UserRegistered(user_id=user.id, username="Ada")]


async def test_a_taken_username_in_another_case_is_refused_and_announces_nothing(
    accounts: Accounts, unit_of_work: InMemoryUnitOfWork
) -> None:
    await accounts.register("ada", PASSWORD)

    with pytest.raises(ChorusError) as refused:
        await accounts.register("ADA", PASSWORD)

    assert refused.value.code == "username_taken"
    assert len(unit_of_work.announced) == 1


async def test_sign_in_issues_a_token_and_repeated_failures_are_refused(accounts: Accounts) -> None:
    user = await accounts.register("ada", PASSWORD)

    assert await accounts.sign_in("ADA", PASSWORD, "10.0.0.1") == f"token-of-{user.id}-ada"
    for _ in range(2):
        with pytest.raises(ChorusError) as wrong:
            await accounts.sign_in("ada", "not the password", "10.0.0.1")
        assert wrong.value.code == "invalid_credentials"
    with pytest.raises(ChorusError) as limited:
        await accounts.sign_in("ada", PASSWORD, "10.0.0.1")
    assert limited.value.kind is ErrorKind.RATE_LIMITED


async def test_crossing_requests_make_friends_and_announce_each_step(
    accounts: Accounts, friends: Friends, unit_of_work: InMemoryUnitOfWork
) -> None:
    ada = (await accounts.register("ada", PASSWORD)).id
    bob = (await accounts.register("bob", PASSWORD)).id
    unit_of_work.announced.clear()

    assert await friends.send_request(ada, bob) is RequestOutcome.SENT
    assert [user.id for user in await friends.pending_requests(bob, limit=10, offset=0)] == [ada]
    assert await friends.send_request(bob, ada) is RequestOutcome.ACCEPTED_CROSSING

    assert [user.id for user in await friends.friends(ada, limit=10, offset=0)] == [bob]
    assert unit_of_work.announced == [
        FriendRequested(sender_id=ada, receiver_id=bob),
        FriendAccepted(sender_id=ada, receiver_id=bob),
    ]


async def test_declining_and_removing_announce_and_leave_no_pair(
    accounts: Accounts, friends: Friends, unit_of_work: InMemoryUnitOfWork
) -> None:
    ada = (await accounts.register("ada", PASSWORD)).id
    bob = (await accounts.register("bob", PASSWORD)).id
    await friends.send_request(ada, bob)
    await friends.resolve_request(bob, ada, accepted=False)
    await friends.send_request(bob, ada)
    await friends.resolve_request(ada, bob, accepted=True)
    await friends.remove_friend(ada, bob)

    assert await friends.friends(bob, limit=10, offset=0) == []
    assert unit_of_work.announced[-4:] == [
        FriendDeclined(sender_id=ada, receiver_id=bob),
        FriendRequested(sender_id=bob, receiver_id=ada),
        FriendAccepted(sender_id=bob, receiver_id=ada),
        FriendRemoved(user_id=ada, friend_id=bob),
    ]


@pytest.mark.parametrize(
    ("act", "code"),
    [
        ("self", "cannot_befriend_self"),
        ("unknown", "unknown_user"),
        ("resolve_missing", "no_pending_request"),
        ("remove_stranger", "not_friends"),
    ],
)
async def test_refused_friend_changes_announce_nothing(
    accounts: Accounts, friends: Friends, unit_of_work: InMemoryUnitOfWork, act: str, code: str
) -> None:
    ada = (await accounts.register("ada", PASSWORD)).id
    bob = (await accounts.register("bob", PASSWORD)).id
    unit_of_work.announced.clear()
    attempts = {
        "self": lambda: friends.send_request(ada, ada),
        "unknown": lambda: friends.send_request(ada, 999),
        "resolve_missing": lambda: friends.resolve_request(bob, ada, accepted=True),
        "remove_stranger": lambda: friends.remove_friend(ada, bob),
    }

    with pytest.raises(ChorusError) as refused:
        await attempts[act]()

    assert refused.value.code == code
    assert unit_of_work.announced == []
