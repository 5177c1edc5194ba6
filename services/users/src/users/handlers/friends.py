"""Use cases of friends: search, request, resolve, remove, list."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo.errors import DuplicateKeyError

from chorus_backbone import mongo
from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_schemas.events.users import (
    FriendAccepted,
    FriendDeclined,
    FriendRemoved,
    FriendRequested,
)
from users.bootstrap import UsersService
from users.domain.friendships import (
    RequestOutcome,
    check_removable,
    check_resolvable,
    decide_request,
)
from users.store.users import User

T = TypeVar("T")


async def _change_pair(service: UsersService, change: Callable[[mongo.Session], Awaitable[T]]) -> T:
    """Run a change to one pair in a transaction; a concurrent first request retries once."""
    for attempt in (1, 2):
        try:
            result = await mongo.in_transaction(service.runtime.mongo_client, change)
        except DuplicateKeyError:
            if attempt == 2:
                raise
            continue
        service.runtime.relay.notify()
        return result
    raise AssertionError("unreachable")


async def search(service: UsersService, caller: int, fragment: str, *, limit: int, offset: int) -> list[User]:
    """Users whose name contains ``fragment`` (any case), never the caller."""
    return await service.users.search(fragment, exclude=caller, limit=limit, offset=offset)


async def send_request(service: UsersService, sender: int, receiver: int) -> RequestOutcome:
    """Ask ``receiver`` to be friends; a request crossing theirs makes both friends."""
    if sender != receiver and await service.users.by_id(receiver) is None:
        raise ChorusError(ErrorKind.NOT_FOUND, "unknown_user", "there is no such user")

    async def change(session: mongo.Session) -> RequestOutcome:
        outcome = decide_request(
            sender, receiver, await service.friendships.get(sender, receiver, session=session)
        )
        outbox = service.runtime.outbox
        if outcome is RequestOutcome.SENT:
            await service.friendships.request(sender, receiver, session=session)
            await outbox.add(FriendRequested(sender_id=sender, receiver_id=receiver), session=session)
        else:
            await service.friendships.befriend(sender, receiver, session=session)
            await outbox.add(FriendAccepted(sender_id=receiver, receiver_id=sender), session=session)
        return outcome

    return await _change_pair(service, change)


async def resolve_request(service: UsersService, receiver: int, sender: int, accepted: bool) -> None:
    """The receiver accepts or declines a pending request from ``sender``."""

    async def change(session: mongo.Session) -> None:
        check_resolvable(receiver, sender, await service.friendships.get(sender, receiver, session=session))
        if accepted:
            await service.friendships.befriend(sender, receiver, session=session)
            event: FriendAccepted | FriendDeclined = FriendAccepted(sender_id=sender, receiver_id=receiver)
        else:
            await service.friendships.forget(sender, receiver, session=session)
            event = FriendDeclined(sender_id=sender, receiver_id=receiver)
        await service.runtime.outbox.add(event, session=session)

    await _change_pair(service, change)


async def remove_friend(service: UsersService, user: int, friend: int) -> None:
    """End a friendship (either friend may)."""

    async def change(session: mongo.Session) -> None:
        check_removable(await service.friendships.get(user, friend, session=session))
        await service.friendships.forget(user, friend, session=session)
        await service.runtime.outbox.add(FriendRemoved(user_id=user, friend_id=friend), session=session)

    await _change_pair(service, change)


async def pending_requests(service: UsersService, receiver: int, *, limit: int, offset: int) -> list[User]:
    """Who asked the caller to be friends and is waiting for an answer, oldest first."""
    senders = await service.friendships.requesters_of(receiver, limit=limit, offset=offset)
    return _in_order(senders, await service.users.by_ids(senders))


async def friends(service: UsersService, user: int, *, limit: int, offset: int) -> list[User]:
    """The caller's friends."""
    ids = await service.friendships.friends_of(user, limit=limit, offset=offset)
    return _in_order(ids, await service.users.by_ids(ids))


def _in_order(ids: list[int], users: list[User]) -> list[User]:
    by_id = {user.id: user for user in users}
    return [by_id[user_id] for user_id in ids if user_id in by_id]
