"""Who may do what, through the gateway: every public operation, with every kind of credential.

The table names one request per operation of the OpenAPI document (a test fails when
an operation is added without a row). Each runs with: no token, a malformed one, an
expired one, one signed with the wrong key, a service token where a user is expected
(and a user token where a service is), forged ``X-Chorus-*`` identity headers, and
another user's token on the caller's resources. The live room likewise.
"""

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from chorus_backbone.auth import Principal, TokenCodec, TokenKeys, TokenKind
from chorus_schemas.live_room import CloseCode
from tests.e2e.conftest import System
from users.settings import UsersSettings

pytestmark = pytest.mark.integration

PASSWORD = "a-long-and-decent-passphrase"


@dataclass
class World:
    """Two users and what belongs to the second, built once for the whole table."""

    ada: int
    ada_name: str
    ada_token: str
    bob: int
    bob_token: str
    album: int
    bob_review: int
    bob_record: int
    service_token: str
    keys: TokenKeys


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict[str, Any] | None = None
    json: Any = None
    service_only: bool = False


def _operations(world: World) -> dict[tuple[str, str], Callable[[], Call]]:
    """One request per documented operation, as the caller (ada) would make it."""

    def fresh(name: str) -> str:
        return f"{name}{uuid4().hex[:8]}"

    return {
        ("POST", "/api/users/auth/signup"): lambda: Call(
            "POST", "/api/users/auth/signup", json={"username": fresh("new"), "password": PASSWORD}
        ),
        ("POST", "/api/users/auth/signin"): lambda: Call(
            "POST", "/api/users/auth/signin", json={"username": world.ada_name, "password": PASSWORD}
        ),
        ("GET", "/api/users/me"): lambda: Call("GET", "/api/users/me"),
        ("GET", "/api/users/friends"): lambda: Call("GET", "/api/users/friends"),
        ("GET", "/api/users/friends/search"): lambda: Call(
            "GET", "/api/users/friends/search", {"uname": "bob"}
        ),
        ("GET", "/api/users/friends/get"): lambda: Call("GET", "/api/users/friends/get"),
        ("POST", "/api/users/friends/req/{id}"): lambda: Call("POST", f"/api/users/friends/req/{world.bob}"),
        ("POST", "/api/users/friends/add"): lambda: Call(
            "POST", "/api/users/friends/add", {"id": world.bob, "accepted": "false"}
        ),
        ("DELETE", "/api/users/friends/{id}"): lambda: Call("DELETE", f"/api/users/friends/{world.bob}"),
        ("PATCH", "/api/users/ratings/upd"): lambda: Call(
            "PATCH", "/api/users/ratings/upd", {"id": world.bob_review, "score": 3.5}, service_only=True
        ),
        ("GET", "/api/music/albums"): lambda: Call("GET", "/api/music/albums"),
        ("POST", "/api/music/albums"): lambda: Call(
            "POST", "/api/music/albums", json={"title": fresh("Album "), "artist": "Matrix"}
        ),
        ("GET", "/api/music/albums/{album_id}"): lambda: Call("GET", f"/api/music/albums/{world.album}"),
        ("PUT", "/api/reviews/albums/{album_id}"): lambda: Call(
            "PUT", f"/api/reviews/albums/{world.album}", json={"score": 4.0}
        ),
        ("DELETE", "/api/reviews/albums/{album_id}"): lambda: Call(
            "DELETE", f"/api/reviews/albums/{world.album}"
        ),
        ("GET", "/api/reviews/albums/{album_id}"): lambda: Call("GET", f"/api/reviews/albums/{world.album}"),
        ("GET", "/api/reviews/users/{user_id}"): lambda: Call("GET", f"/api/reviews/users/{world.bob}"),
        ("GET", "/api/reviews/feed"): lambda: Call("GET", "/api/reviews/feed"),
        ("POST", "/api/reviews/{review_id}/like"): lambda: Call(
            "POST", f"/api/reviews/{world.bob_review}/like"
        ),
        ("DELETE", "/api/reviews/{review_id}/like"): lambda: Call(
            "DELETE", f"/api/reviews/{world.bob_review}/like"
        ),
        ("POST", "/api/records/save"): lambda: Call("POST", "/api/records/save", json={"moves": ["e4"]}),
        ("GET", "/api/records/get-all"): lambda: Call("GET", "/api/records/get-all"),
        ("GET", "/api/records/get/{id}"): lambda: Call("GET", f"/api/records/get/{world.bob_record}"),
        ("POST", "/api/games/create"): lambda: Call("POST", "/api/games/create", json={"title": "matrix"}),
        ("GET", "/api/games/discover"): lambda: Call("GET", "/api/games/discover"),
    }


def _seal(world: World, user: int, username: str, keys: TokenKeys | None = None) -> str:
    """The gateway's seal of ``user`` (made here with the system's own keys unless told otherwise)."""
    principal = Principal(kind=TokenKind.USER, subject=str(user), username=username)
    return TokenCodec(keys or world.keys).seal(principal, time.time() + 600)


def _credentials(world: World) -> dict[str, dict[str, str]]:
    def signed(keys: TokenKeys) -> str:
        return TokenCodec(keys).issue_user_token(world.ada, world.ada_name)

    expired = signed(dataclasses.replace(world.keys, user_token_ttl=timedelta(seconds=-60)))
    wrong_key = signed(dataclasses.replace(world.keys, user_secret="not-the-key-" * 4))
    bearer = "Authorization"
    return {
        "none": {},
        "malformed": {bearer: "Bearer not.a.token"},
        "expired": {bearer: f"Bearer {expired}"},
        "wrong signature": {bearer: f"Bearer {wrong_key}"},
        "forged identity only": {
            "X-Chorus-User-Id": str(world.ada),
            "X-Chorus-Username": "ada",
            "X-Chorus-Identity": _seal(world, world.ada, world.ada_name),  # valid, but from outside
        },
        "service token": {bearer: f"Bearer {world.service_token}"},
        "user token": {bearer: f"Bearer {world.ada_token}"},
    }


def _expected(call: Call, public: bool, credential: str) -> set[int]:
    """The statuses the contract gives; a call that gets past the checks answers anything but 401/403."""
    past_the_checks = set(range(200, 500)) - {401, 403}
    if public:
        return past_the_checks
    if call.service_only:
        return {
            "service token": past_the_checks,
            "user token": {403},
        }.get(credential, {401})
    return past_the_checks if credential == "user token" else {401}


async def _account(gateway: httpx.AsyncClient, username: str) -> tuple[int, str]:
    credentials = {"username": username, "password": PASSWORD}
    created = await gateway.post("/api/users/auth/signup", json=credentials)
    assert created.status_code == 201, created.text
    signed = await gateway.post("/api/users/auth/signin", json=credentials)
    return created.json()["id"], signed.json()["auth_token"]


@pytest.fixture
async def world(shared_system: System) -> World:
    """Two users of the shared system, and what belongs to the second."""
    gateway = shared_system.gateway
    unique = uuid4().hex[:8]
    ada_name = f"ada{unique}"
    ada, ada_token = await _account(gateway, ada_name)
    bob, bob_token = await _account(gateway, f"bob{unique}")
    as_bob = {"Authorization": f"Bearer {bob_token}"}
    album = await gateway.post(
        "/api/music/albums", json={"title": f"Matrix {unique}", "artist": "Table"}, headers=as_bob
    )
    review = await gateway.put(
        f"/api/reviews/albums/{album.json()['id']}", json={"score": 5.0, "text": "bob's"}, headers=as_bob
    )
    record = await gateway.post("/api/records/save", json={"moves": ["bob's"]}, headers=as_bob)
    keys = shared_system.service_settings(UsersSettings).token_keys()
    return World(
        ada=ada,
        ada_name=ada_name,
        ada_token=ada_token,
        bob=bob,
        bob_token=bob_token,
        album=album.json()["id"],
        bob_review=review.json()["id"],
        bob_record=record.json()["id"],
        service_token=TokenCodec(keys).issue_service_token("forums"),
        keys=keys,
    )


async def test_every_operation_answers_each_kind_of_credential_as_the_contract_says(
    shared_system: System, world: World
) -> None:
    gateway = shared_system.gateway
    document = (await gateway.get("/openapi.json")).json()
    documented = {
        (method.upper(), path): not operation.get("security")
        for path, operations in document["paths"].items()
        if path.startswith("/api/")
        for method, operation in operations.items()
    }
    operations = _operations(world)
    assert set(operations) == set(documented), "every documented operation has a row in the table"

    wrong = []
    for credential, headers in _credentials(world).items():
        for operation, make in operations.items():
            call = make()
            response = await gateway.request(
                call.method, call.path, params=call.params, json=call.json, headers=headers
            )
            expected = _expected(call, documented[operation], credential)
            if response.status_code not in expected:
                wrong.append((credential, operation, response.status_code, response.text[:200]))
            elif response.status_code in (401, 403):
                assert response.json()["error"]["request_id"] == response.headers["x-request-id"]
    assert wrong == []


async def test_another_users_token_never_reaches_the_callers_resources(
    shared_system: System, world: World
) -> None:
    gateway = shared_system.gateway
    as_ada = {"Authorization": f"Bearer {world.ada_token}"}
    as_bob = {"Authorization": f"Bearer {world.bob_token}"}

    # ada's token on bob's record, review and rating, and with bob's identity forged in headers.
    record = await gateway.get(f"/api/records/get/{world.bob_record}", headers=as_ada)
    forged = await gateway.get(
        "/api/records/get-all",
        headers={
            **as_ada,
            "X-Chorus-User-Id": str(world.bob),
            "X-Chorus-Username": "bob",
            "X-Chorus-Identity": _seal(world, world.bob, "bob"),
        },
    )
    unrated = await gateway.delete(f"/api/reviews/albums/{world.album}", headers=as_ada)
    bobs_ratings = await gateway.get(f"/api/reviews/users/{world.bob}")
    own_like = await gateway.post(f"/api/reviews/{world.bob_review}/like", headers=as_bob)
    answered_for_bob = await gateway.post(
        "/api/users/friends/add", params={"id": world.ada, "accepted": "true"}, headers=as_ada
    )

    assert (record.status_code, record.json()["error"]["code"]) == (404, "unknown_record")
    assert world.bob_record not in {entry["id"] for entry in forged.json()}
    assert (unrated.status_code, unrated.json()["error"]["code"]) == (404, "no_rating")
    assert [(rating["id"], rating["score"]) for rating in bobs_ratings.json()] == [(world.bob_review, 5.0)]
    assert (own_like.status_code, own_like.json()["error"]["code"]) == (400, "own_review")
    assert (answered_for_bob.status_code, answered_for_bob.json()["error"]["code"]) == (
        404,
        "no_pending_request",
    )


async def test_a_service_takes_a_seal_of_its_own_keys_in_place_of_the_token_and_no_other(
    shared_system: System, world: World
) -> None:
    """Behind the gateway the services read who is calling from the gateway's seal (one HMAC)
    instead of verifying the token again; a seal the system's keys did not make is a 401."""
    wrong_keys = dataclasses.replace(world.keys, user_secret="not-the-key-" * 4)
    async with httpx.AsyncClient(base_url=shared_system.urls["forums"], timeout=30) as forums:
        sealed = await forums.get(
            "/api/records/get-all", headers={"X-Chorus-Identity": _seal(world, world.bob, "bob")}
        )
        forged = await forums.get(
            "/api/records/get-all",
            headers={"X-Chorus-Identity": _seal(world, world.bob, "bob", wrong_keys)},
        )
        garbled = await forums.get("/api/records/get-all", headers={"X-Chorus-Identity": "bob"})

    assert sealed.status_code == 200
    assert world.bob_record in {entry["id"] for entry in sealed.json()}
    assert [(r.status_code, r.json()["error"]["code"]) for r in (forged, garbled)] == [
        (401, "invalid_token"),
        (401, "invalid_token"),
    ]


async def _frame(socket: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = orjson.loads(await socket.recv())
        if frame["type"] == kind:
            return frame


async def _close_code(url: str) -> int | None:
    async with connect(url, open_timeout=10) as socket:
        try:
            await socket.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    return None


async def test_the_live_room_refuses_bad_tokens_and_moderation_by_anyone_but_its_creator(
    shared_system: System, world: World
) -> None:
    gateway = shared_system.gateway
    room = await gateway.post(
        "/api/games/create",
        json={"title": "bob's room"},
        headers={"Authorization": f"Bearer {world.bob_token}"},
    )
    base = (
        f"{shared_system.gateway_url.replace('http', 'ws', 1)}/api/games/wss/lobby/{room.json()['lobby_id']}"
    )
    credentials = _credentials(world)
    for name in ("malformed", "expired", "wrong signature", "service token"):
        token = credentials[name]["Authorization"].removeprefix("Bearer ")
        assert await _close_code(f"{base}?token={token}") == CloseCode.UNAUTHORIZED, name
    assert await _close_code(base) == CloseCode.UNAUTHORIZED

    async with (
        connect(f"{base}?token={world.bob_token}", open_timeout=10) as bob,
        connect(f"{base}?token={world.ada_token}", open_timeout=10) as ada,
    ):
        await _frame(bob, "welcome")
        await _frame(ada, "welcome")
        await bob.send(orjson.dumps({"type": "say", "text": "bob speaks"}).decode())
        said = await _frame(ada, "message")
        for attempt in (
            {"type": "delete", "message_id": said["id"]},
            {"type": "mute", "user_id": world.bob, "minutes": 5},
        ):
            await ada.send(orjson.dumps(attempt).decode())
            refused = await _frame(ada, "error")
            assert refused["code"] == "not_creator", attempt
        # bob was neither muted nor had his message deleted: he still speaks, and ada hears it.
        await bob.send(orjson.dumps({"type": "say", "text": "still here"}).decode())
        assert (await _frame(ada, "message"))["text"] == "still here"
