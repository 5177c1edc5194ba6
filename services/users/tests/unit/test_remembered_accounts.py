"""Accounts remembered after their first lookup: the store is asked once per account, within a bound."""

from datetime import UTC, datetime

from users.domain.models import User
from users.store.memory import InMemoryUserRepository
from users.store.remembered import RememberedAccounts


class CountingAccounts(InMemoryUserRepository):
    """The in-memory store, counting the lookups that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    async def by_id(self, user_id: int) -> User | None:
        self.lookups += 1
        return await super().by_id(user_id)

    async def by_ids(self, user_ids: list[int]) -> list[User]:
        self.lookups += 1
        return await super().by_ids(user_ids)


def _user(user_id: int) -> User:
    return User(user_id, f"user{user_id}", "hash", datetime(2026, 1, 1, tzinfo=UTC))


async def _stored(*ids: int) -> CountingAccounts:
    store = CountingAccounts()
    for user_id in ids:
        await store.add(_user(user_id), session=None)
    return store


async def test_an_account_read_once_is_answered_from_memory_after() -> None:
    store = await _stored(1, 2)
    accounts = RememberedAccounts(store, capacity=10)

    assert await accounts.by_id(1) == _user(1)
    assert await accounts.by_id(1) == _user(1)
    assert [u.id for u in await accounts.by_ids([2, 1])] == [1, 2]
    assert [u.id for u in await accounts.by_ids([1, 2])] == [1, 2]

    assert store.lookups == 2  # 1 by id, then 2 among [2, 1]; nothing after


async def test_an_unknown_id_is_asked_again_since_an_account_may_get_it_later() -> None:
    store = await _stored()
    accounts = RememberedAccounts(store, capacity=10)

    assert await accounts.by_id(7) is None
    await store.add(_user(7), session=None)

    assert await accounts.by_id(7) == _user(7)
    assert await accounts.by_ids([7, 8]) == [_user(7)]


async def test_an_account_added_is_not_remembered_before_it_is_read() -> None:
    store = await _stored()
    accounts = RememberedAccounts(store, capacity=10)

    await accounts.add(_user(3), session=None)  # its transaction may still abort

    assert len(accounts) == 0
    assert await accounts.by_id(3) == _user(3)
    assert len(accounts) == 1


async def test_at_most_capacity_accounts_are_kept_the_least_recently_used_going_first() -> None:
    store = await _stored(1, 2, 3)
    accounts = RememberedAccounts(store, capacity=2)

    await accounts.by_id(1)
    await accounts.by_id(2)
    await accounts.by_id(1)  # 2 is now the least recently used
    await accounts.by_id(3)

    assert len(accounts) == 2
    store.lookups = 0
    await accounts.by_id(1)
    await accounts.by_id(3)
    assert store.lookups == 0
    await accounts.by_id(2)
    assert store.lookups == 1
