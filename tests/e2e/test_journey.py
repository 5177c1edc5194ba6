"""The whole journey, through the gateway only, as a client would walk it (in-process, or
against a deployed gateway: see ``edge`` in conftest.py)."""

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from chorus_devinfra.probes import eventually
from chorus_schemas import asyncapi
from tests.e2e.conftest import Edge

pytestmark = pytest.mark.integration

PASSWORD = "a-long-and-decent-passphrase"


async def _account(gateway: httpx.AsyncClient, username: str) -> tuple[int, dict[str, str]]:
    created = await gateway.post("/api/users/auth/signup", json={"username": username, "password": PASSWORD})
    assert created.status_code == 201, created.text
    signed = await gateway.post("/api/users/auth/signin", json={"username": username, "password": PASSWORD})
    return created.json()["id"], {"auth_token": signed.json()["auth_token"]}


async def _join(edge: Edge, room_id: int, auth: dict[str, str]) -> ClientConnection:
    url = f"{edge.websocket_url}/api/games/wss/lobby/{room_id}?token={auth['auth_token']}"
    return await connect(url, open_timeout=10)


async def _next(connection: ClientConnection, kind: str, timeout: float = 20) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = max(0.1, deadline - asyncio.get_running_loop().time())
        frame: dict[str, Any] = orjson.loads(await asyncio.wait_for(connection.recv(), remaining))
        if frame["type"] == kind:
            return frame


async def test_two_friends_rate_an_album_and_talk_about_it_in_a_live_room(edge: Edge) -> None:
    async with edge.client() as gateway:
        await _journey(edge, gateway)


async def _journey(edge: Edge, gateway: httpx.AsyncClient) -> None:
    ada_name, bob_name = edge.name("ada"), edge.name("bob")
    ada, ada_auth = await _account(gateway, ada_name)
    bob, bob_auth = await _account(gateway, bob_name)

    search = {"uname": bob_name.upper()}
    found = await gateway.get("/api/users/friends/search", params=search, headers=ada_auth)
    assert found.json() == [{"id": bob, "username": bob_name}]
    assert (await gateway.post(f"/api/users/friends/req/{bob}", headers=ada_auth)).status_code == 200
    assert (await gateway.get("/api/users/friends/get", headers=bob_auth)).json() == [
        {"id": ada, "username": ada_name}
    ]
    accepted = await gateway.post(
        "/api/users/friends/add", params={"id": ada, "accepted": "true"}, headers=bob_auth
    )
    assert accepted.json()["message"] == "friend request accepted"

    album = (
        await gateway.post(
            "/api/music/albums",
            json={"title": edge.name("Blue Lines"), "artist": "Massive Attack", "year": 1991},
            headers=ada_auth,
        )
    ).json()["id"]
    rated = await gateway.put(
        f"/api/reviews/albums/{album}", json={"score": 4.5, "text": "Unfinished Sympathy."}, headers=ada_auth
    )
    assert rated.status_code == 200
    await eventually(  # public, and the aggregate follows the rating within a moment
        lambda: gateway.get(f"/api/music/albums/{album}"),
        lambda response: response.json()["avg_rating"] == 4.5,
    )

    created = await eventually(  # forums learns of the album from ratings.events
        lambda: gateway.post("/api/games/create", json={"album_id": album}, headers=ada_auth),
        lambda response: response.status_code == 200,
    )
    room_id = created.json()["lobby_id"]
    ada_socket = await _join(edge, room_id, ada_auth)
    bob_socket = await _join(edge, room_id, bob_auth)  # round robin: the other replica
    await _next(ada_socket, "welcome")
    await _next(bob_socket, "welcome")

    presence = await eventually(
        lambda: _next(ada_socket, "presence"), lambda frame: {m["id"] for m in frame["members"]} == {ada, bob}
    )
    await ada_socket.send(orjson.dumps({"type": "say", "text": "hello bob"}).decode())
    heard = await _next(bob_socket, "message")
    await bob_socket.send(orjson.dumps({"type": "rate", "score": 3.5}).decode())
    event = await eventually(
        lambda: _next(ada_socket, "event", timeout=30),
        lambda frame: frame["name"] == "rating.changed" and frame["data"]["user_id"] == bob,
    )
    average = await eventually(
        lambda: _next(ada_socket, "event", timeout=30),
        lambda frame: frame["name"] == "album.updated" and frame["data"]["ratings_count"] == 2,
    )

    assert {m["username"] for m in presence["members"]} == {ada_name, bob_name}
    assert (heard["text"], heard["user"]["id"]) == ("hello bob", ada)
    assert event["data"]["score"] == 3.5
    assert average["data"]["avg_rating"] == 4.0

    lobbies = await eventually(
        lambda: gateway.get("/api/games/discover", params={"friends_only": "true"}, headers=bob_auth),
        lambda response: [lobby["avg_rating"] for lobby in response.json()] == [4.0],
    )
    assert lobbies.json()[0]["lobby_id"] == room_id
    assert lobbies.json()[0]["friends_in"] is True

    saved = await gateway.post("/api/records/save", json={"moves": ["hello bob"]}, headers=ada_auth)
    record = await gateway.get(f"/api/records/get/{saved.json()['id']}", headers=ada_auth)
    assert record.json() == {"moves": ["hello bob"]}
    feed = await gateway.get("/api/reviews/feed", headers=bob_auth)
    assert [(item["user"]["id"], item["score"]) for item in feed.json()] == [(ada, 4.5)]
    await ada_socket.close()
    await bob_socket.close()


async def test_a_forged_identity_header_is_ignored_and_tokens_are_checked_at_the_edge(edge: Edge) -> None:
    async with edge.client() as gateway:
        ada, ada_auth = await _account(gateway, edge.name("eve"))
        bob, _ = await _account(gateway, edge.name("mallory"))

        forged = await gateway.get(
            "/api/users/me", headers={**ada_auth, "X-Chorus-User-Id": str(bob), "X-Chorus-Username": "bob"}
        )
        no_token = await gateway.get("/api/users/me")
        bad_token = await gateway.get("/api/records/get-all", headers={"Authorization": "Bearer nope"})
        unknown = await gateway.get("/api/nothing/here")

    assert forged.json()["id"] == ada
    assert (no_token.status_code, bad_token.status_code, unknown.status_code) == (401, 401, 404)
    assert no_token.json()["error"]["request_id"] == no_token.headers["x-request-id"]


async def test_the_whole_api_is_one_openapi_document(edge: Edge) -> None:
    async with edge.client() as gateway:
        document = (await gateway.get("/openapi.json")).json()
        docs = await gateway.get("/docs")

    for path in (
        "/api/users/auth/signup",
        "/api/users/friends/req/{id}",
        "/api/users/ratings/upd",
        "/api/music/albums",
        "/api/reviews/feed",
        "/api/records/save",
        "/api/games/discover",
    ):
        assert path in document["paths"], path
    assert "users.Credentials" in document["components"]["schemas"]
    assert docs.status_code == 200


async def test_the_gateway_serves_the_event_bus_asyncapi_document_and_its_readable_page(
    edge: Edge,
) -> None:
    async with edge.client() as gateway:
        document = await gateway.get("/asyncapi.json")
        page = await gateway.get("/docs/events")

    assert document.status_code == 200
    assert document.headers["content-type"] == "application/json"
    assert document.json() == asyncapi.document()
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for topic in (
        "users.events",
        "ratings.events",
        "ratings.commands",
        "forums.events",
        "ratings.events.dlq",
    ):
        assert f'id="{topic}"' in page.text
    assert "ratings.RatingChanged.v1" in page.text
    assert "<script" not in page.text  # nothing fetched from outside
