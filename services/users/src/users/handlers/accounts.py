"""Use cases of accounts: sign up, sign in, who am I."""

from datetime import UTC, datetime
from typing import Protocol

from pymongo.errors import DuplicateKeyError

from chorus_backbone.errors import ChorusError, ErrorKind
from chorus_backbone.unit_of_work import Transaction, UnitOfWork
from chorus_schemas.events.users import UserRegistered
from users.domain.accounts import check_password, check_username, username_key
from users.domain.models import User
from users.security.passwords import hash_password, verify_password
from users.store.users import UserRepository


class SignInAttempts(Protocol):
    """Failed sign-ins counted per account and per address, against brute force."""

    async def check(self, account: str, address: str) -> None:
        """Refuse (429) an account or address that failed too often lately."""
        ...

    async def record_failure(self, account: str, address: str) -> None: ...

    async def record_success(self, account: str) -> None: ...


class TokenIssuer(Protocol):
    def issue_user_token(self, user_id: int, username: str) -> str: ...


class Accounts:
    """Sign up, sign in and the caller's own account."""

    def __init__(
        self,
        users: UserRepository,
        unit_of_work: UnitOfWork,
        tokens: TokenIssuer,
        attempts: SignInAttempts,
    ) -> None:
        self.users = users
        self.unit_of_work = unit_of_work
        self.tokens = tokens
        self.attempts = attempts

    async def register(self, username: str, password: str) -> User:
        """Create an account and announce it (UserRegistered)."""
        check_username(username)
        check_password(password, username)
        if await self.users.by_username(username_key(username)) is not None:
            raise _username_taken()
        user = User(
            id=await self.users.next_id(),
            username=username,
            password_hash=await hash_password(password),
            created_at=datetime.now(UTC),
        )

        async def store(transaction: Transaction) -> None:
            await self.users.add(user, session=transaction.session)
            transaction.record(UserRegistered(user_id=user.id, username=user.username))

        try:
            await self.unit_of_work.run(store)
        except DuplicateKeyError:
            raise _username_taken() from None
        return user

    async def sign_in(self, username: str, password: str, address: str) -> str:
        """A signed token for the right password; failures are counted against brute force."""
        account = username_key(username)
        await self.attempts.check(account, address)
        user = await self.users.by_username(account)
        if not await verify_password(user.password_hash if user else None, password) or user is None:
            await self.attempts.record_failure(account, address)
            raise ChorusError(ErrorKind.UNAUTHORIZED, "invalid_credentials", "wrong username or password")
        await self.attempts.record_success(account)
        return self.tokens.issue_user_token(user.id, user.username)

    async def profile(self, user_id: int) -> User:
        """The caller's own account."""
        user = await self.users.by_id(user_id)
        if user is None:
            raise ChorusError(ErrorKind.UNAUTHORIZED, "unknown_user", "the account no longer exists")
        return user


def _username_taken() -> ChorusError:
    return ChorusError(ErrorKind.CONFLICT, "username_taken", "that username is taken")
