"""Sign-up, sign-in, tokens and brute-force limits, over HTTP against the real parts."""

from datetime import timedelta

import pytest

from chorus_backbone.auth import TokenCodec, TokenKeys
from users.testing import PASSWORD, UsersApi

pytestmark = pytest.mark.integration


async def test_a_new_account_signs_in_and_its_token_says_who_it_is(users_api: UsersApi) -> None:
    created = await users_api.signup("Ada_Lovelace")
    signed_in = await users_api.signin("ada_lovelace")  # any case signs in
    token = signed_in.json()["auth_token"]

    me_bearer = await users_api.client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
    me_header = await users_api.client.get("/api/users/me", headers={"auth_token": token})

    assert created.status_code == 201
    assert created.json() == {"message": "user created", "id": created.json()["id"]}
    assert signed_in.status_code == 200
    assert me_bearer.status_code == 200
    assert me_bearer.json()["username"] == "Ada_Lovelace"
    assert me_bearer.json()["id"] == created.json()["id"]
    assert me_header.json() == me_bearer.json()
    assert "password" not in str(me_bearer.json())


async def test_a_username_taken_in_another_case_is_a_conflict(users_api: UsersApi) -> None:
    await users_api.signup("Grace")

    again = await users_api.signup("gRACE")

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "username_taken"
    assert again.json()["error"]["request_id"] == again.headers["x-request-id"]


@pytest.mark.parametrize(
    ("username", "password", "code", "field"),
    [
        # Rules the OpenAPI schema states fail as fields; the others by their own code.
        ("ab", PASSWORD, "validation_failed", "body.username"),
        ("has space", PASSWORD, "validation_failed", "body.username"),
        ("x" * 33, PASSWORD, "validation_failed", "body.username"),
        ("linus", "short", "validation_failed", "body.password"),
        ("linus", "password123", "weak_password", None),
        ("linus", "aaaaaaaaaaaa", "weak_password", None),
        ("linus", "my-linus-password", "weak_password", None),
    ],
)
async def test_accounts_follow_the_username_and_password_rules(
    users_api: UsersApi, username: str, password: str, code: str, field: str | None
) -> None:
    response = await users_api.signup(username, password)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code
    if field is not None:
        assert [failing["field"] for failing in error["fields"]] == [field]


async def test_bad_bodies_get_clear_errors_never_a_500(users_api: UsersApi) -> None:
    client = users_api.client
    not_json = await client.post(
        "/api/users/auth/signup", content=b"{username:", headers={"content-type": "application/json"}
    )
    missing = await client.post("/api/users/auth/signup", json={"username": "kim"})
    wrong_type = await client.post("/api/users/auth/signup", json={"username": 5, "password": ["x"]})
    extra = await client.post(
        "/api/users/auth/signup", json={"username": "kim", "password": PASSWORD, "admin": True}
    )
    huge = await client.post("/api/users/auth/signup", json={"username": "kim", "password": "p" * 200_000})

    assert not_json.status_code == 400
    assert not_json.json()["error"]["code"] == "invalid_json"
    assert missing.status_code == 422
    assert [field["field"] for field in missing.json()["error"]["fields"]] == ["body.password"]
    assert wrong_type.status_code == 422
    assert {field["field"] for field in wrong_type.json()["error"]["fields"]} == {
        "body.username",
        "body.password",
    }
    assert extra.status_code == 422
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "body_too_large"


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(users_api: UsersApi) -> None:
    await users_api.signup("hopper")

    wrong = await users_api.signin("hopper", "not-the-password")
    unknown = await users_api.signin("nobody-here", "not-the-password")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "invalid_credentials"


async def test_repeated_failures_lock_the_account_with_retry_after(users_api: UsersApi) -> None:
    await users_api.signup("turing")
    for _ in range(3):
        assert (await users_api.signin("turing", "guess-guess-guess")).status_code == 401

    locked = await users_api.signin("turing")  # even the right password waits now

    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_failed_signins"
    assert 1 <= int(locked.headers["retry-after"]) <= 61


async def test_one_address_failing_across_many_accounts_is_refused(users_api: UsersApi) -> None:
    for index in range(8):
        await users_api.signin(f"ghost{index}", "guess-guess-guess")

    refused = await users_api.signin("someone-else", "guess-guess-guess")

    assert refused.status_code == 429
    assert "retry-after" in refused.headers


async def test_a_successful_signin_clears_the_account_failures(users_api: UsersApi) -> None:
    await users_api.signup("lamport")
    for _ in range(2):
        await users_api.signin("lamport", "guess-guess-guess")
    assert (await users_api.signin("lamport")).status_code == 200

    for _ in range(2):
        await users_api.signin("lamport", "guess-guess-guess")

    assert (await users_api.signin("lamport")).status_code == 200


def _codec(users_api: UsersApi, **changes: object) -> TokenCodec:
    keys = users_api.settings.token_keys()
    return TokenCodec(TokenKeys(**{**keys.__dict__, **changes}))  # type: ignore[arg-type]


async def test_expired_tampered_foreign_and_missing_tokens_are_401(users_api: UsersApi) -> None:
    user_id, headers = await users_api.register("dijkstra")
    token = headers["Authorization"].removeprefix("Bearer ")
    expired = _codec(users_api, user_token_ttl=timedelta(minutes=-5)).issue_user_token(user_id, "dijkstra")
    foreign = _codec(users_api, user_secret="someone-elses-key-0123456789abcdef").issue_user_token(
        user_id, "dijkstra"
    )
    other_issuer = _codec(users_api, issuer="elsewhere").issue_user_token(user_id, "dijkstra")
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload[:-2]}xx.{signature}"
    service_token = _codec(users_api).issue_service_token("forums")

    cases = {
        "expired": expired,
        "foreign": foreign,
        "other_issuer": other_issuer,
        "tampered": tampered,
        "service": service_token,
        "garbage": "not-a-token",
    }
    for name, bad in cases.items():
        response = await users_api.client.get("/api/users/me", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, name
        assert response.json()["error"]["code"] == "invalid_token", name
    missing = await users_api.client.get("/api/users/me")
    assert missing.status_code == 401
    expired_answer = await users_api.client.get("/api/users/me", headers={"auth_token": expired})
    assert "expired" in expired_answer.json()["error"]["message"]
