"""Use cases of friends: search, request, resolve, remove, list."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo.errors import DuplicateKeyError

from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.unit_of_work import Transaction, UnitOfWork
from chorus_schemas.events.users import (
    FriendAccepted,
    FriendDeclined,
    FriendRemoved,
    FriendRequested,
)
from users.domain.friendships import (
    RequestOutcome,
    check_removable,
    check_resolvable,
    decide_request,
)
from users.domain.models import User
from users.store.friendships import FriendshipRepository
from users.store.users import UserRepository

T = TypeVar("T")


class Friends:
    """Search, requests and their answers, the friend list."""

    def __init__(
        self, users: UserRepository, friendships: FriendshipRepository, unit_of_work: UnitOfWork
    ) -> None:
        self.users = users
        self.friendships = friendships
        self.unit_of_work = unit_of_work

    async def _change_pair(self, change: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run a change to one pair; a concurrent first request (same pair id) retries once."""
        try:
            return await self.unit_of_work.run(change)
        except DuplicateKeyError:
            return await self.unit_of_work.run(change)

    async def search(self, caller: int, fragment: str, *, limit: int, offset: int) -> list[User]:
        """Users whose name contains ``fragment`` (any case), never the caller."""
        return await self.users.search(fragment, exclude=caller, limit=limit, offset=offset)

    async def send_request(self, sender: int, receiver: int) -> RequestOutcome:
        """Ask ``receiver`` to be friends; a request crossing theirs makes both friends."""
        if sender != receiver and await self.users.by_id(receiver) is None:
            raise ChorusError(ErrorKind.NOT_FOUND, "unknown_user", "there is no such user")

        async def change(transaction: Transaction) -> RequestOutcome:
            session = transaction.session
            outcome = decide_request(
                sender, receiver, await self.friendships.get(sender, receiver, session=session)
            )
            if outcome is RequestOutcome.SENT:
                await self.friendships.request(sender, receiver, session=session)
                transaction.record(FriendRequested(sender_id=sender, receiver_id=receiver))
            else:
                await self.friendships.befriend(sender, receiver, session=session)
                transaction.record(FriendAccepted(sender_id=receiver, receiver_id=sender))
            return outcome

        return await self._change_pair(change)

    async def resolve_request(self, receiver: int, sender: int, accepted: bool) -> None:
        """The receiver accepts or declines a pending request from ``sender``."""

        async def change(transaction: Transaction) -> None:
            session = transaction.session
            check_resolvable(receiver, sender, await self.friendships.get(sender, receiver, session=session))
            if accepted:
                await self.friendships.befriend(sender, receiver, session=session)
                transaction.record(FriendAccepted(sender_id=sender, receiver_id=receiver))
            else:
                await self.friendships.forget(sender, receiver, session=session)
                transaction.record(FriendDeclined(sender_id=sender, receiver_id=receiver))

        await self._change_pair(change)

    async def remove_friend(self, user: int, friend: int) -> None:
        """End a friendship (either friend may)."""

        async def change(transaction: Transaction) -> None:
            check_removable(await self.friendships.get(user, friend, session=transaction.session))
            await self.friendships.forget(user, friend, session=transaction.session)
            transaction.record(FriendRemoved(user_id=user, friend_id=friend))

        await self._change_pair(change)

    async def pending_requests(self, receiver: int, *, limit: int, offset: int) -> list[User]:
        """Who asked the caller to be friends and is waiting for an answer, oldest first."""
        senders = await self.friendships.requesters_of(receiver, limit=limit, offset=offset)
        return _in_order(senders, await self.users.by_ids(senders))

    async def friends(self, user: int, *, limit: int, offset: int) -> list[User]:
        """The caller's friends."""
        ids = await self.friendships.friends_of(user, limit=limit, offset=offset)
        return _in_order(ids, await self.users.by_ids(ids))


def _in_order(ids: list[int], users: list[User]) -> list[User]:
    by_id = {user.id: user for user in users}
    return [by_id[user_id] for user_id in ids if user_id in by_id]
