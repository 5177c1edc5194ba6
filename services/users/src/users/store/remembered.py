"""Accounts by id, remembered in process after the first read.

An account never changes once created: there is no rename, no password change and no
deletion. So an account read once can answer every later lookup by id (each
authenticated `/api/users/me`, the usernames of friend lists, the gRPC lookups) without
a database round trip, and is never stale. Whoever adds a change to accounts must forget
the changed account here (or drop this cache).
"""

from collections import OrderedDict

from chorus_backbone.mongo import Session
from users.domain.models import User
from users.store.users import UserRepository


class RememberedAccounts:
    """A ``UserRepository`` that answers lookups by id from memory once an account was read:
    at most ``capacity`` accounts, the least recently used forgotten first. Ids not found are
    not remembered (they may be given to an account later)."""

    def __init__(self, accounts: UserRepository, *, capacity: int) -> None:
        self.accounts = accounts
        self.capacity = capacity
        self._known: OrderedDict[int, User] = OrderedDict()

    def _remember(self, user: User) -> None:
        self._known[user.id] = user
        self._known.move_to_end(user.id)
        if len(self._known) > self.capacity:
            self._known.popitem(last=False)

    def _recalled(self, user_id: int) -> User | None:
        user = self._known.get(user_id)
        if user is not None:
            self._known.move_to_end(user_id)
        return user

    async def next_id(self) -> int:
        return await self.accounts.next_id()

    async def add(self, user: User, *, session: Session | None) -> None:
        # Not remembered here: the transaction adding it may still abort.
        await self.accounts.add(user, session=session)

    async def by_id(self, user_id: int) -> User | None:
        if (user := self._recalled(user_id)) is not None:
            return user
        user = await self.accounts.by_id(user_id)
        if user is not None:
            self._remember(user)
        return user

    async def by_username(self, username_key: str) -> User | None:
        user = await self.accounts.by_username(username_key)
        if user is not None:
            self._remember(user)
        return user

    async def by_ids(self, user_ids: list[int]) -> list[User]:
        found = {user_id: user for user_id in set(user_ids) if (user := self._recalled(user_id)) is not None}
        missing = [user_id for user_id in set(user_ids) if user_id not in found]
        if missing:
            for user in await self.accounts.by_ids(missing):
                self._remember(user)
                found[user.id] = user
        return [found[user_id] for user_id in sorted(found)]

    async def search(self, fragment: str, *, exclude: int, limit: int, offset: int) -> list[User]:
        return await self.accounts.search(fragment, exclude=exclude, limit=limit, offset=offset)

    def __len__(self) -> int:
        return len(self._known)
