"""Composition root: builds the users service from settings."""

from dataclasses import dataclass

from chorus_backbone.auth import TokenCodec
from chorus_backbone.runtime import Runtime
from users.security.signin_guard import SignInGuard
from users.settings import UsersSettings
from users.store.friendships import MongoFriendshipRepository
from users.store.users import MongoUserRepository


@dataclass
class UsersService:
    """Everything the handlers use, built once per process."""

    settings: UsersSettings
    runtime: Runtime
    users: MongoUserRepository
    friendships: MongoFriendshipRepository
    tokens: TokenCodec
    signin_guard: SignInGuard

    async def ensure_indexes(self) -> None:
        await self.users.ensure_indexes()
        await self.friendships.ensure_indexes()


def bootstrap(settings: UsersSettings) -> UsersService:
    runtime = Runtime.from_settings(settings)
    return UsersService(
        settings=settings,
        runtime=runtime,
        users=MongoUserRepository(runtime.database),
        friendships=MongoFriendshipRepository(runtime.database),
        tokens=TokenCodec(settings.token_keys()),
        signin_guard=SignInGuard(
            runtime.redis,
            settings.redis_url,
            key_prefix=settings.redis_key_prefix,
            per_account=settings.signin_failures_per_account,
            per_address=settings.signin_failures_per_address,
            window_seconds=settings.signin_failure_window_seconds,
        ),
    )
