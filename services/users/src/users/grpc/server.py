"""The users gRPC server: user lookup, friend lists, token checks (and the standard health service)."""

import grpc

from chorus_backbone.auth import InvalidTokenError, TokenCodec, TokenKind
from chorus_backbone.grpc_server import HealthyGrpcServer
from chorus_schemas.grpc import users_pb2, users_pb2_grpc
from users.store.friendships import FriendshipRepository
from users.store.users import UserRepository

MAX_IDS_PER_CALL = 1_000
MAX_FRIENDS_PER_CALL = 5_000
SERVICE_NAME = users_pb2.DESCRIPTOR.services_by_name["UserDirectory"].full_name


class UserDirectoryServicer(users_pb2_grpc.UserDirectoryServicer):
    """Translates between protobuf and the users handlers' stores."""

    def __init__(self, users: UserRepository, friendships: FriendshipRepository, tokens: TokenCodec) -> None:
        self.users = users
        self.friendships = friendships
        self.tokens = tokens

    async def GetUsers(  # noqa: N802  (gRPC method names)
        self, request: users_pb2.GetUsersRequest, context: grpc.aio.ServicerContext
    ) -> users_pb2.GetUsersResponse:
        if len(request.ids) > MAX_IDS_PER_CALL:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"at most {MAX_IDS_PER_CALL} ids per call")
        found = await self.users.by_ids(list(request.ids))
        return users_pb2.GetUsersResponse(
            users=[users_pb2.User(id=user.id, username=user.username) for user in found]
        )

    async def ListFriends(  # noqa: N802
        self, request: users_pb2.ListFriendsRequest, context: grpc.aio.ServicerContext
    ) -> users_pb2.ListFriendsResponse:
        ids = await self.friendships.friends_of(request.user_id, limit=MAX_FRIENDS_PER_CALL, offset=0)
        return users_pb2.ListFriendsResponse(friend_ids=ids)

    async def CheckToken(  # noqa: N802
        self, request: users_pb2.CheckTokenRequest, context: grpc.aio.ServicerContext
    ) -> users_pb2.CheckTokenResponse:
        tokens = self.tokens
        try:
            user = tokens.verify(request.token, kind=TokenKind.USER)
            return users_pb2.CheckTokenResponse(
                valid=True,
                kind=users_pb2.TOKEN_KIND_USER,
                user=users_pb2.User(id=int(user.subject), username=user.username or ""),
            )
        except InvalidTokenError as user_error:
            try:
                calling = tokens.verify(request.token, kind=TokenKind.SERVICE)
            except InvalidTokenError:
                return users_pb2.CheckTokenResponse(valid=False, reason=user_error.message)
            return users_pb2.CheckTokenResponse(
                valid=True, kind=users_pb2.TOKEN_KIND_SERVICE, service=calling.subject
            )


def users_grpc_server(
    users: UserRepository,
    friendships: FriendshipRepository,
    tokens: TokenCodec,
    *,
    port: int,
    host: str = "127.0.0.1",
) -> HealthyGrpcServer:
    servicer = UserDirectoryServicer(users, friendships, tokens)

    def add(server: grpc.aio.Server) -> None:
        users_pb2_grpc.add_UserDirectoryServicer_to_server(servicer, server)

    return HealthyGrpcServer(add, host=host, port=port, services=[SERVICE_NAME])
