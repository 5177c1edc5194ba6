"""Friends over HTTP, with the events read back from the real users.events topic."""

import pytest

from chorus_devinfra.probes import read_topic
from chorus_schemas import Envelope, Topic, TopicNames
from users.settings import UsersSettings
from users.testing import UsersApi

pytestmark = pytest.mark.integration


async def _events(settings: UsersSettings, count: int) -> list[Envelope]:
    topic = TopicNames(settings.topic_prefix).name(Topic.USERS_EVENTS)
    records = await read_topic(settings.kafka_bootstrap, topic, count=count)
    return sorted((Envelope.from_bytes(record.value) for record in records), key=lambda e: e.time)


async def test_a_request_accepted_makes_friends_and_every_step_is_an_event(
    users_api: UsersApi, users_settings: UsersSettings
) -> None:
    client = users_api.client
    ada, ada_auth = await users_api.register("ada")
    bob, bob_auth = await users_api.register("bob")

    sent = await client.post(f"/api/users/friends/req/{bob}", headers=ada_auth)
    pending = await client.get("/api/users/friends/get", headers=bob_auth)
    accepted = await client.post(
        "/api/users/friends/add", params={"id": ada, "accepted": "true"}, headers=bob_auth
    )
    ada_friends = await client.get("/api/users/friends", headers=ada_auth)
    bob_friends = await client.get("/api/users/friends", headers=bob_auth)
    pending_after = await client.get("/api/users/friends/get", headers=bob_auth)

    assert sent.status_code == 200
    assert sent.json()["message"] == "friend request sent"
    assert pending.json() == [{"id": ada, "username": "ada"}]
    assert accepted.json()["message"] == "friend request accepted"
    assert ada_friends.json() == [{"id": bob, "username": "bob"}]
    assert bob_friends.json() == [{"id": ada, "username": "ada"}]
    assert pending_after.json() == []

    events = await _events(users_settings, count=4)
    assert [(e.type, e.data) for e in events] == [
        ("users.UserRegistered", {"user_id": ada, "username": "ada"}),
        ("users.UserRegistered", {"user_id": bob, "username": "bob"}),
        ("users.FriendRequested", {"sender_id": ada, "receiver_id": bob}),
        ("users.FriendAccepted", {"sender_id": ada, "receiver_id": bob}),
    ]
    assert events[2].key == str(ada)
    assert all(e.source == "users" and e.correlation_id for e in events)


async def test_requests_to_yourself_to_nobody_and_twice_get_the_contract_errors(
    users_api: UsersApi,
) -> None:
    client = users_api.client
    ada, ada_auth = await users_api.register("ada")
    bob, _ = await users_api.register("bob")

    to_self = await client.post(f"/api/users/friends/req/{ada}", headers=ada_auth)
    to_nobody = await client.post("/api/users/friends/req/999999", headers=ada_auth)
    not_an_id = await client.post("/api/users/friends/req/abc", headers=ada_auth)
    first = await client.post(f"/api/users/friends/req/{bob}", headers=ada_auth)
    twice = await client.post(f"/api/users/friends/req/{bob}", headers=ada_auth)
    no_token = await client.post(f"/api/users/friends/req/{bob}")

    assert (to_self.status_code, to_self.json()["error"]["code"]) == (400, "cannot_befriend_self")
    assert (to_nobody.status_code, to_nobody.json()["error"]["code"]) == (404, "unknown_user")
    assert not_an_id.status_code == 404  # ids are integers: no user has this one
    assert first.status_code == 200
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "request_pending")
    assert no_token.status_code == 401


async def test_a_request_crossing_one_pending_the_other_way_makes_both_friends(
    users_api: UsersApi, users_settings: UsersSettings
) -> None:
    client = users_api.client
    ada, ada_auth = await users_api.register("ada")
    bob, bob_auth = await users_api.register("bob")

    await client.post(f"/api/users/friends/req/{bob}", headers=ada_auth)
    crossing = await client.post(f"/api/users/friends/req/{ada}", headers=bob_auth)
    again = await client.post(f"/api/users/friends/req/{ada}", headers=bob_auth)

    assert crossing.status_code == 200
    assert "now friends" in crossing.json()["message"]
    assert (await client.get("/api/users/friends", headers=ada_auth)).json() == [
        {"id": bob, "username": "bob"}
    ]
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_friends")
    events = await _events(users_settings, count=4)
    assert (events[-1].type, events[-1].data) == (
        "users.FriendAccepted",
        {"sender_id": ada, "receiver_id": bob},
    )


async def test_only_the_receiver_resolves_a_request_and_a_decline_is_an_event(
    users_api: UsersApi, users_settings: UsersSettings
) -> None:
    client = users_api.client
    ada, ada_auth = await users_api.register("ada")
    bob, bob_auth = await users_api.register("bob")
    _, eve_auth = await users_api.register("eve")
    await client.post(f"/api/users/friends/req/{bob}", headers=ada_auth)

    by_sender = await client.post(
        "/api/users/friends/add", params={"id": ada, "accepted": "true"}, headers=ada_auth
    )
    by_stranger = await client.post(
        "/api/users/friends/add", params={"id": ada, "accepted": "true"}, headers=eve_auth
    )
    bad_flag = await client.post(
        "/api/users/friends/add", params={"id": ada, "accepted": "maybe"}, headers=bob_auth
    )
    declined = await client.post(
        "/api/users/friends/add", params={"id": ada, "accepted": "false"}, headers=bob_auth
    )
    declined_again = await client.post(
        "/api/users/friends/add", params={"id": ada, "accepted": "false"}, headers=bob_auth
    )

    assert by_sender.status_code == by_stranger.status_code == 404
    assert by_sender.json()["error"]["code"] == "no_pending_request"
    assert bad_flag.status_code == 422
    assert declined.json()["message"] == "friend request declined"
    assert declined_again.status_code == 404
    assert (await client.get("/api/users/friends", headers=bob_auth)).json() == []
    events = await _events(users_settings, count=5)
    assert (events[-1].type, events[-1].data) == (
        "users.FriendDeclined",
        {"sender_id": ada, "receiver_id": bob},
    )


async def test_either_friend_can_end_the_friendship(
    users_api: UsersApi, users_settings: UsersSettings
) -> None:
    client = users_api.client
    ada, ada_auth = await users_api.register("ada")
    bob, bob_auth = await users_api.register("bob")
    await client.post(f"/api/users/friends/req/{bob}", headers=ada_auth)
    await client.post("/api/users/friends/add", params={"id": ada, "accepted": "true"}, headers=bob_auth)

    removed = await client.delete(f"/api/users/friends/{ada}", headers=bob_auth)
    removed_again = await client.delete(f"/api/users/friends/{ada}", headers=bob_auth)

    assert removed.json()["message"] == "friend removed"
    assert removed_again.status_code == 404
    assert (await client.get("/api/users/friends", headers=ada_auth)).json() == []
    events = await _events(users_settings, count=5)
    assert (events[-1].type, events[-1].data) == (
        "users.FriendRemoved",
        {"user_id": bob, "friend_id": ada},
    )


async def test_search_is_case_insensitive_bounded_and_never_returns_the_caller(
    users_api: UsersApi,
) -> None:
    client = users_api.client
    _, caller_auth = await users_api.register("MarieCurie")
    marie, _ = await users_api.register("marie_antoinette")
    pierre, _ = await users_api.register("PierreCurie")
    for index in range(3):
        await users_api.register(f"curie.fan{index}")

    by_part = await client.get("/api/users/friends/search", params={"uname": "MARIE"}, headers=caller_auth)
    limited = await client.get(
        "/api/users/friends/search", params={"uname": "curie", "limit": 2}, headers=caller_auth
    )
    next_page = await client.get(
        "/api/users/friends/search", params={"uname": "curie", "limit": 2, "offset": 2}, headers=caller_auth
    )
    regex_chars = await client.get("/api/users/friends/search", params={"uname": ".*"}, headers=caller_auth)
    too_many = await client.get(
        "/api/users/friends/search", params={"uname": "a", "limit": 101}, headers=caller_auth
    )
    empty = await client.get("/api/users/friends/search", params={"uname": ""}, headers=caller_auth)

    assert by_part.json() == [{"id": marie, "username": "marie_antoinette"}]
    assert [user["username"] for user in limited.json()] == ["curie.fan0", "curie.fan1"]
    assert [user["username"] for user in next_page.json()] == ["curie.fan2", "PierreCurie"]
    assert next_page.json()[1]["id"] == pierre
    assert regex_chars.json() == []
    assert too_many.status_code == 422
    assert empty.status_code == 422
