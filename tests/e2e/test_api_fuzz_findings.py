"""What fuzzing the public API once found, kept as plain cases (see test_api_fuzz.py).

Each ran into a 500, an answer the OpenAPI document did not declare, or input taken
that the contract's types refuse.
"""

from typing import Any

import httpx
import pytest

from chorus_devinfra.probes import eventually
from gateway.edge.routing import is_public
from tests.e2e.conftest import Edge

pytestmark = pytest.mark.integration

PASSWORD = "a-long-and-decent-passphrase"
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}


async def _auth(gateway: httpx.AsyncClient, username: str) -> dict[str, str]:
    credentials = {"username": username, "password": PASSWORD}
    created = await gateway.post("/api/users/auth/signup", json=credentials)
    assert created.status_code == 201, created.text
    signed = await gateway.post("/api/users/auth/signin", json=credentials)
    return {"Authorization": f"Bearer {signed.json()['auth_token']}"}


def _refused(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["request_id"] == response.headers["x-request-id"]
    if code is not None:
        assert error["code"] == code
    return error


async def test_an_id_with_odd_bytes_is_no_such_resource(edge: Edge) -> None:
    async with edge.client() as gateway:
        auth = await _auth(gateway, edge.name("oddbytes"))
        for method, path in (
            ("DELETE", "/api/users/friends/%C2%91%02%09%C2%B5f"),
            ("GET", "/api/records/get/%06%C2%96"),
            ("GET", "/api/reviews/albums/%136%28"),
            ("GET", "/api/music/albums/-3"),
        ):
            _refused(await gateway.request(method, path, headers=auth), 404)


async def test_booleans_are_not_numbers_and_numbers_are_not_booleans(edge: Edge) -> None:
    async with edge.client() as gateway:
        auth = await _auth(gateway, edge.name("strict"))
        album = await gateway.post(
            "/api/music/albums",
            json={"title": edge.name("Kind of Blue"), "artist": "Miles Davis"},
            headers=auth,
        )
        album_id = album.json()["id"]

        room_for_true = await gateway.post("/api/games/create", json={"album_id": True}, headers=auth)
        spoiler_zero = await gateway.put(
            f"/api/reviews/albums/{album_id}", json={"score": 4.5, "spoiler": 0}, headers=auth
        )
        year_as_text = await gateway.post(
            "/api/music/albums", json={"title": "x", "artist": "y", "year": "1959"}, headers=auth
        )
        # JSON counts 2.0 as the integer 2 (the room service learns of the album through its event).
        room_for_whole_float = await eventually(
            lambda: gateway.post("/api/games/create", json={"album_id": float(album_id)}, headers=auth),
            lambda response: response.status_code != 404,
        )

    for refused, field in (
        (room_for_true, "body.album_id"),
        (spoiler_zero, "body.spoiler"),
        (year_as_text, "body.year"),
    ):
        error = _refused(refused, 422, "validation_failed")
        assert field in {failing["field"] for failing in error["fields"]}
    assert room_for_whole_float.status_code == 200, room_for_whole_float.text


async def test_a_score_off_the_half_star_scale_is_refused_not_a_500(edge: Edge) -> None:
    async with edge.client() as gateway:
        auth = await _auth(gateway, edge.name("scores"))
        album = await gateway.post(
            "/api/music/albums", json={"title": edge.name("Scores"), "artist": "Fuzz"}, headers=auth
        )
        for score in (0.0, 5.5, 4.2, -1.7976931348623155e308, 1.7976931348623155e308):
            rated = await gateway.put(
                f"/api/reviews/albums/{album.json()['id']}", json={"score": score, "text": None}, headers=auth
            )
            _refused(rated, 422, "validation_failed")


async def test_methods_a_path_does_not_have_are_405_and_allow_names_all_it_has(edge: Edge) -> None:
    async with edge.client() as gateway:
        auth = await _auth(gateway, edge.name("methods"))
        options_albums = await gateway.options("/api/music/albums", headers=auth)
        options_reviews = await gateway.options("/api/reviews/albums/1", headers=auth)
        # /friends/{id} takes DELETE, but "add" is not an id: /friends/add is its own resource.
        delete_add = await gateway.delete(
            "/api/users/friends/add", params={"id": 1, "accepted": "true"}, headers=auth
        )
        put_like = await gateway.put("/api/reviews/1/like", headers=auth)

    expected = [
        (options_albums, {"GET", "POST"}),
        (options_reviews, {"GET", "PUT", "DELETE"}),
        (delete_add, {"POST"}),
        (put_like, {"POST", "DELETE"}),
    ]
    for response, methods in expected:
        _refused(response, 405, "method_not_allowed")
        allowed = {method.strip() for method in response.headers["allow"].split(",")} - {"HEAD"}
        assert allowed == methods, (response.request.url, response.headers["allow"])


async def test_the_document_declares_every_error_an_operation_answers(edge: Edge) -> None:
    async with edge.client() as gateway:
        document = (await gateway.get("/openapi.json")).json()

    assert "ErrorResponse" in document["components"]["schemas"]
    assert document["components"]["securitySchemes"]
    for path, operations in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            errors = {int(status) for status in responses if status.startswith(("4", "5"))}
            assert {429, 503} <= errors, (method, path)
            sample = path.replace("{", "").replace("}", "")
            needs_token = not is_public(method.upper(), sample)
            assert 401 in errors or not needs_token, (method, path)
            assert bool(operation.get("security")) == needs_token, (method, path)
            if "requestBody" in operation:
                assert {400, 413, 422} <= errors, (method, path)
            for status in errors:
                schema = responses[str(status)]["content"]["application/json"]["schema"]
                assert schema == ERROR_SCHEMA, (method, path, status)
