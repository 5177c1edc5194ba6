"""Use cases of accounts: sign up, sign in, who am I."""

from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from chorus_backbone import mongo
from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_schemas.events.users import UserRegistered
from users.bootstrap import UsersService
from users.domain.accounts import check_password, check_username, username_key
from users.security.passwords import hash_password, verify_password
from users.store.users import User


async def register(service: UsersService, username: str, password: str) -> User:
    """Create an account and announce it (UserRegistered)."""
    check_username(username)
    check_password(password, username)
    if await service.users.by_username(username_key(username)) is not None:
        raise _username_taken()
    user = User(
        id=await service.users.next_id(),
        username=username,
        password_hash=await hash_password(password),
        created_at=datetime.now(UTC),
    )

    async def store(session: mongo.Session) -> None:
        await service.users.add(user, session=session)
        await service.runtime.outbox.add(
            UserRegistered(user_id=user.id, username=user.username), session=session
        )

    try:
        await mongo.in_transaction(service.runtime.mongo_client, store)
    except DuplicateKeyError:
        raise _username_taken() from None
    service.runtime.relay.notify()
    return user


def _username_taken() -> ChorusError:
    return ChorusError(ErrorKind.CONFLICT, "username_taken", "that username is taken")


async def sign_in(service: UsersService, username: str, password: str, address: str) -> str:
    """A signed token for the right password; failures are counted against brute force."""
    account = username_key(username)
    await service.signin_guard.check(account, address)
    user = await service.users.by_username(account)
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        await service.signin_guard.record_failure(account, address)
        raise ChorusError(ErrorKind.UNAUTHORIZED, "invalid_credentials", "wrong username or password")
    await service.signin_guard.record_success(account)
    return service.tokens.issue_user_token(user.id, user.username)


async def profile(service: UsersService, user_id: int) -> User:
    """The caller's own account."""
    user = await service.users.by_id(user_id)
    if user is None:
        raise ChorusError(ErrorKind.UNAUTHORIZED, "unknown_user", "the account no longer exists")
    return user
