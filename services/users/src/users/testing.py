"""A client of the users API for tests (of this service and of those that need users)."""

from dataclasses import dataclass

import httpx

from users.settings import UsersSettings

PASSWORD = "listening-to-sea-of-trees"


@dataclass
class UsersApi:
    """The users service over real HTTP, with a few shortcuts for tests."""

    client: httpx.AsyncClient
    settings: UsersSettings

    async def signup(self, username: str, password: str = PASSWORD) -> httpx.Response:
        return await self.client.post(
            "/api/users/auth/signup", json={"username": username, "password": password}
        )

    async def signin(self, username: str, password: str = PASSWORD) -> httpx.Response:
        return await self.client.post(
            "/api/users/auth/signin", json={"username": username, "password": password}
        )

    async def register(self, username: str) -> tuple[int, dict[str, str]]:
        """Sign up and in; the new user's id and the headers that carry their token."""
        created = await self.signup(username)
        assert created.status_code == 201, created.text
        signed_in = await self.signin(username)
        assert signed_in.status_code == 200, signed_in.text
        return created.json()["id"], {"Authorization": f"Bearer {signed_in.json()['auth_token']}"}
