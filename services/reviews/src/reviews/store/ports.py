"""What the reviews handlers need of storage, as small ports (MongoDB and in-memory adapters)."""

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from chorus_backbone.mongo import Session
from reviews.domain.aggregates import Delta
from reviews.domain.models import Aggregate, Album, AlbumQuery, Rating, RatingChange, ReviewSort


class AlbumRepository(Protocol):
    """The catalog, each album with its rating aggregate."""

    async def next_id(self) -> int: ...
    async def add(self, album: Album, *, session: Session | None = None) -> None: ...
    async def get(self, album_id: int, *, session: Session | None = None) -> Album | None: ...
    async def known_keys(self) -> set[tuple[str, str]]: ...
    async def search(self, query: AlbumQuery) -> list[Album]: ...
    async def exists(self, album_id: int) -> bool: ...
    async def fold(self, deltas: Mapping[int, Delta], *, session: Session | None) -> dict[int, Aggregate]:
        """Apply each album's delta to its aggregate; the new aggregates (unknown albums skipped)."""
        ...


class RatingRepository(Protocol):
    """Ratings and reviews (one per user and album), and likes of reviews."""

    async def next_id(self) -> int: ...
    async def get(self, rating_id: int, *, session: Session | None = None) -> Rating | None: ...
    async def of_user_for_album(
        self, user_id: int, album_id: int, *, session: Session | None
    ) -> Rating | None: ...
    async def apply(
        self, changes: Sequence[RatingChange], *, session: Session | None
    ) -> list[tuple[Rating | None, Rating | None]]:
        """Apply ``changes`` in order (each sees the ones before it): every rating before and after."""
        ...

    async def for_album(
        self, album_id: int, *, sort: ReviewSort, limit: int, offset: int
    ) -> list[Rating]: ...
    async def by_users(self, user_ids: list[int], *, limit: int, offset: int) -> list[Rating]: ...
    async def like(self, review_id: int, user_id: int, *, session: Session | None) -> bool:
        """Record a like; False when this user already liked it."""
        ...

    async def unlike(self, review_id: int, user_id: int, *, session: Session | None) -> bool: ...


class PeopleDirectory(Protocol):
    """Who is who, as users.events told this service."""

    async def usernames(self, user_ids: list[int]) -> dict[int, str]: ...
    async def friends_of(self, user_id: int) -> list[int]: ...


class PageInvalidation(Protocol):
    """Cached pages the handlers make stale when they change the catalog."""

    async def albums_changed(self, album_ids: Collection[int]) -> None:
        """These albums (and so any catalog search) changed: their cached pages are stale."""
        ...
