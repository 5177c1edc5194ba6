"""The repositories' contract, held by the MongoDB stores and the in-memory ones alike."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pymongo.errors import DuplicateKeyError

from chorus_backbone import mongo
from users.domain.friendships import PairStatus
from users.domain.models import User
from users.store.friendships import FriendshipRepository, MongoFriendshipRepository
from users.store.memory import InMemoryFriendshipRepository, InMemoryUserRepository
from users.store.remembered import RememberedAccounts
from users.store.users import MongoUserRepository, UserRepository

pytestmark = pytest.mark.integration


@dataclass
class Stores:
    users: UserRepository
    friendships: FriendshipRepository


@pytest.fixture(params=["mongo", "mongo remembered", "memory"])
async def stores(request: pytest.FixtureRequest, mongo_database: mongo.Database) -> Stores:
    if request.param == "memory":
        return Stores(InMemoryUserRepository(), InMemoryFriendshipRepository())
    users = MongoUserRepository(mongo_database)
    friendships = MongoFriendshipRepository(mongo_database)
    await users.ensure_indexes()
    await friendships.ensure_indexes()
    if request.param == "mongo remembered":
        return Stores(RememberedAccounts(users, capacity=2), friendships)
    return Stores(users, friendships)


def _user(user_id: int, name: str) -> User:
    return User(user_id, name, "hash", datetime(2026, 1, 1, tzinfo=UTC))


async def test_users_are_found_by_id_and_by_name_in_any_case_and_names_stay_unique(stores: Stores) -> None:
    users = stores.users
    first, second = await users.next_id(), await users.next_id()
    assert second > first
    await users.add(_user(first, "Ada"), session=None)
    await users.add(_user(second, "bob"), session=None)

    with pytest.raises(DuplicateKeyError):
        await users.add(_user(await users.next_id(), "ADA"), session=None)
    assert (await users.by_username("ada")) == _user(first, "Ada")
    assert [u.id for u in await users.by_ids([second, first, 404])] == [first, second]
    assert [u.username for u in await users.search("A", exclude=second, limit=10, offset=0)] == ["Ada"]
    assert await users.search("b", exclude=first, limit=10, offset=1) == []


async def test_a_pair_goes_from_request_to_friends_to_nothing(stores: Stores) -> None:
    pairs = stores.friendships
    await pairs.request(1, 2, session=None)
    await pairs.request(3, 2, session=None)

    with pytest.raises(DuplicateKeyError):
        await pairs.request(2, 1, session=None)
    pending = await pairs.get(2, 1, session=None)
    assert pending is not None
    assert (pending.status, pending.requested_by, pending.requested_to) == (PairStatus.PENDING, 1, 2)
    assert await pairs.requesters_of(2, limit=10, offset=0) == [1, 3]

    await pairs.befriend(1, 2, session=None)
    assert await pairs.friends_of(2, limit=10, offset=0) == [1]
    assert await pairs.requesters_of(2, limit=10, offset=0) == [3]

    await pairs.forget(2, 1, session=None)
    assert await pairs.get(1, 2, session=None) is None
    assert await pairs.friends_of(1, limit=10, offset=0) == []
