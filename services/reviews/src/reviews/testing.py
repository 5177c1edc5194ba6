"""A client of the reviews API for tests, minting tokens the way the users service does."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from chorus_backbone.auth import TokenCodec
from chorus_devinfra.probes import eventually, publish_events
from chorus_schemas import Event
from reviews.settings import ReviewsSettings


@dataclass
class ReviewsApi:
    client: httpx.AsyncClient
    settings: ReviewsSettings

    @property
    def tokens(self) -> TokenCodec:
        return TokenCodec(self.settings.token_keys())

    def user(self, user_id: int, username: str | None = None) -> dict[str, str]:
        """Headers carrying a sign-in token of ``user_id``."""
        token = self.tokens.issue_user_token(user_id, username or f"user{user_id}")
        return {"Authorization": f"Bearer {token}"}

    def service(self, name: str = "forums") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens.issue_service_token(name)}"}

    async def add_album(self, title: str, artist: str = "Artist", **facts: object) -> int:
        response = await self.client.post(
            "/api/music/albums", json={"title": title, "artist": artist, **facts}, headers=self.user(1)
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    async def rate(self, user_id: int, album_id: int, score: float, **review: object) -> httpx.Response:
        return await self.client.put(
            f"/api/reviews/albums/{album_id}", json={"score": score, **review}, headers=self.user(user_id)
        )

    async def album(self, album_id: int) -> dict[str, Any]:
        return dict((await self.client.get(f"/api/music/albums/{album_id}")).json())

    async def album_once(self, album_id: int, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The album page once ``until`` holds (aggregates follow the ratings within a moment)."""
        return await eventually(lambda: self.album(album_id), until)

    async def publish(self, *events: Event, source: str = "users") -> None:
        """Put events on their real topics, as their owning service would."""
        await publish_events(
            self.settings.kafka_bootstrap, self.settings.topic_prefix, list(events), source=source
        )
