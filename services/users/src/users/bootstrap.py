"""Composition root: builds the users service from settings."""

from dataclasses import dataclass

from chorus_backbone.auth import TokenCodec
from chorus_backbone.grpc_server import HealthyGrpcServer
from chorus_backbone.runtime import Runtime
from users.grpc.server import users_grpc_server
from users.handlers.accounts import Accounts
from users.handlers.friends import Friends
from users.security.signin_guard import SignInGuard
from users.settings import UsersSettings
from users.store.friendships import MongoFriendshipRepository
from users.store.remembered import RememberedAccounts
from users.store.users import MongoUserRepository


@dataclass
class UsersService:
    """The service's parts and its handlers, built once per process."""

    settings: UsersSettings
    runtime: Runtime
    users: MongoUserRepository
    friendships: MongoFriendshipRepository
    tokens: TokenCodec
    accounts: Accounts
    friends: Friends
    grpc_server: HealthyGrpcServer

    async def ensure_indexes(self) -> None:
        await self.users.ensure_indexes()
        await self.friendships.ensure_indexes()


def bootstrap(settings: UsersSettings) -> UsersService:
    runtime = Runtime.from_settings(settings)
    users = MongoUserRepository(runtime.database)
    accounts = RememberedAccounts(users, capacity=settings.remembered_accounts)
    friendships = MongoFriendshipRepository(runtime.database)
    tokens = TokenCodec(settings.token_keys())
    signin_guard = SignInGuard(
        runtime.redis,
        settings.redis_url,
        key_prefix=settings.redis_key_prefix,
        per_account=settings.signin_failures_per_account,
        per_address=settings.signin_failures_per_address,
        window_seconds=settings.signin_failure_window_seconds,
    )
    return UsersService(
        settings=settings,
        runtime=runtime,
        users=users,
        friendships=friendships,
        tokens=tokens,
        accounts=Accounts(accounts, runtime.unit_of_work, tokens, signin_guard),
        friends=Friends(accounts, friendships, runtime.unit_of_work),
        grpc_server=users_grpc_server(
            accounts, friendships, tokens, port=settings.grpc_port, host=settings.host
        ),
    )
