"""The users gRPC server, through a real gRPC client."""

from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from chorus_backbone.auth import TokenCodec
from chorus_devinfra.process import free_port
from chorus_devinfra.serving import serving
from chorus_schemas.grpc import users_pb2, users_pb2_grpc
from users.api.app import create_app
from users.settings import UsersSettings
from users.testing import UsersApi

pytestmark = pytest.mark.integration


@pytest.fixture
async def channel(users_api: UsersApi, users_settings: UsersSettings) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{users_settings.grpc_port}") as channel:
        yield channel


async def test_users_are_looked_up_by_id_in_one_call(users_api: UsersApi, channel: grpc.aio.Channel) -> None:
    ada, _ = await users_api.register("ada")
    bob, _ = await users_api.register("bob")
    directory = users_pb2_grpc.UserDirectoryStub(channel)

    response = await directory.GetUsers(users_pb2.GetUsersRequest(ids=[bob, ada, 424242]))

    assert [(user.id, user.username) for user in response.users] == [(ada, "ada"), (bob, "bob")]


async def test_too_many_ids_in_one_call_is_an_invalid_argument(channel: grpc.aio.Channel) -> None:
    directory = users_pb2_grpc.UserDirectoryStub(channel)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await directory.GetUsers(users_pb2.GetUsersRequest(ids=list(range(1, 1002))))

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_a_users_friends_are_listed(users_api: UsersApi, channel: grpc.aio.Channel) -> None:
    ada, ada_auth = await users_api.register("ada")
    bob, bob_auth = await users_api.register("bob")
    await users_api.client.post(f"/api/users/friends/req/{bob}", headers=ada_auth)
    await users_api.client.post(
        "/api/users/friends/add", params={"id": ada, "accepted": "true"}, headers=bob_auth
    )
    directory = users_pb2_grpc.UserDirectoryStub(channel)

    response = await directory.ListFriends(users_pb2.ListFriendsRequest(user_id=ada))

    assert list(response.friend_ids) == [bob]


async def test_tokens_are_checked_and_say_whose_they_are(
    users_api: UsersApi, users_settings: UsersSettings, channel: grpc.aio.Channel
) -> None:
    ada, auth = await users_api.register("ada")
    user_token = auth["Authorization"].removeprefix("Bearer ")
    service_token = TokenCodec(users_settings.token_keys()).issue_service_token("forums")
    directory = users_pb2_grpc.UserDirectoryStub(channel)

    as_user = await directory.CheckToken(users_pb2.CheckTokenRequest(token=user_token))
    as_service = await directory.CheckToken(users_pb2.CheckTokenRequest(token=service_token))
    forged = await directory.CheckToken(users_pb2.CheckTokenRequest(token=user_token[:-3] + "abc"))

    assert as_user.valid
    assert as_user.kind == users_pb2.TOKEN_KIND_USER
    assert (as_user.user.id, as_user.user.username) == (ada, "ada")
    assert as_service.valid
    assert as_service.kind == users_pb2.TOKEN_KIND_SERVICE
    assert as_service.service == "forums"
    assert not forged.valid
    assert forged.reason


async def test_the_standard_health_service_reports_serving(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)

    overall = await health.Check(health_pb2.HealthCheckRequest(service=""))
    directory = await health.Check(health_pb2.HealthCheckRequest(service="chorus.users.v1.UserDirectory"))

    assert overall.status == health_pb2.HealthCheckResponse.SERVING
    assert directory.status == health_pb2.HealthCheckResponse.SERVING


async def test_grpc_calls_are_traced(
    finished_spans: InMemorySpanExporter, users_settings: UsersSettings
) -> None:
    # The tracer provider is in place before this test's server starts (fixture order).
    app = create_app(users_settings.model_copy(update={"grpc_port": free_port()}))
    async with serving(app):
        port = app.state.users.settings.grpc_port
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            await users_pb2_grpc.UserDirectoryStub(channel).GetUsers(users_pb2.GetUsersRequest(ids=[1]))

    names = {span.name for span in finished_spans.get_finished_spans()}
    assert "/chorus.users.v1.UserDirectory/GetUsers" in names
