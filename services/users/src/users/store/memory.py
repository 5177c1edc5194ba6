"""In-memory repositories for unit tests of the handlers.

The same contract tests run against these and the MongoDB ones
(``tests/integration/test_repositories.py``), so a fake cannot drift from the real store.
"""

from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from chorus_backbone.memory import InMemoryIds
from chorus_backbone.mongo import Session
from users.domain.friendships import Pair, PairStatus, pair_id
from users.domain.models import User


class InMemoryUserRepository(InMemoryIds):
    def __init__(self) -> None:
        super().__init__()
        self._users: dict[int, User] = {}

    async def add(self, user: User, *, session: Session | None) -> None:
        if any(known.username.casefold() == user.username.casefold() for known in self._users.values()):
            raise DuplicateKeyError("unique_username")
        self._users[user.id] = user

    async def by_id(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    async def by_username(self, username_key: str) -> User | None:
        return next((u for u in self._users.values() if u.username.casefold() == username_key), None)

    async def by_ids(self, user_ids: list[int]) -> list[User]:
        return [self._users[user_id] for user_id in sorted(set(user_ids)) if user_id in self._users]

    async def search(self, fragment: str, *, exclude: int, limit: int, offset: int) -> list[User]:
        found = sorted(
            (
                u
                for u in self._users.values()
                if fragment.casefold() in u.username.casefold() and u.id != exclude
            ),
            key=lambda user: user.username.casefold(),
        )
        return found[offset : offset + limit]


class InMemoryFriendshipRepository:
    def __init__(self) -> None:
        self._pairs: dict[str, tuple[Pair, datetime]] = {}

    async def get(self, a: int, b: int, *, session: Session | None) -> Pair | None:
        entry = self._pairs.get(pair_id(a, b))
        return entry[0] if entry else None

    async def request(self, sender: int, receiver: int, *, session: Session | None) -> None:
        if pair_id(sender, receiver) in self._pairs:
            raise DuplicateKeyError(pair_id(sender, receiver))
        self._pairs[pair_id(sender, receiver)] = (
            Pair(PairStatus.PENDING, sender, receiver),
            datetime.now(UTC),
        )

    async def befriend(self, a: int, b: int, *, session: Session | None) -> None:
        if (entry := self._pairs.get(pair_id(a, b))) is not None:
            pair = entry[0]
            self._pairs[pair_id(a, b)] = (
                Pair(PairStatus.FRIENDS, pair.requested_by, pair.requested_to),
                datetime.now(UTC),
            )

    async def forget(self, a: int, b: int, *, session: Session | None) -> None:
        self._pairs.pop(pair_id(a, b), None)

    async def requesters_of(self, user_id: int, *, limit: int, offset: int) -> list[int]:
        pending = sorted(
            (entry for entry in self._pairs.values() if entry[0].status is PairStatus.PENDING),
            key=lambda entry: entry[1],
        )
        senders = [pair.requested_by for pair, _ in pending if pair.requested_to == user_id]
        return senders[offset : offset + limit]

    async def friends_of(self, user_id: int, *, limit: int, offset: int) -> list[int]:
        friends = [
            pair.requested_to if pair.requested_by == user_id else pair.requested_by
            for key, (pair, _) in sorted(self._pairs.items())
            if pair.status is PairStatus.FRIENDS and user_id in (pair.requested_by, pair.requested_to)
        ]
        return friends[offset : offset + limit]
