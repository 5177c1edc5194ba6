"""In-memory repositories for unit tests of the handlers.

The same contract tests run against these and the MongoDB ones
(``tests/integration/test_repositories.py``), so a fake cannot drift from the real store.
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace

from pymongo.errors import DuplicateKeyError

from chorus_backbone.memory import InMemoryIds
from chorus_backbone.mongo import Session
from reviews.domain.aggregates import Delta, applied, folded
from reviews.domain.models import Aggregate, Album, AlbumQuery, AlbumSort, Rating, RatingChange, ReviewSort


def _sort_key(sort: AlbumSort, album: Album) -> tuple[object, ...]:
    aggregate = album.aggregate
    match sort:
        case AlbumSort.RATING:
            return (-aggregate.avg_rating, -aggregate.ratings_count, album.id)
        case AlbumSort.COUNT:
            return (-aggregate.ratings_count, -aggregate.avg_rating, album.id)
        case AlbumSort.DATE:
            return (-(album.year or 0), album.id)
        case AlbumSort.TITLE:
            return (album.title.casefold(), album.id)


class InMemoryAlbumRepository(InMemoryIds):
    def __init__(self) -> None:
        super().__init__()
        self.albums: dict[int, Album] = {}

    async def add(self, album: Album, *, session: Session | None = None) -> None:
        key = (album.artist.casefold(), album.title.casefold())
        if key in await self.known_keys():
            raise DuplicateKeyError("unique_album")
        self.albums[album.id] = album

    async def get(self, album_id: int, *, session: Session | None = None) -> Album | None:
        return self.albums.get(album_id)

    async def known_keys(self) -> set[tuple[str, str]]:
        return {(album.artist.casefold(), album.title.casefold()) for album in self.albums.values()}

    async def search(self, query: AlbumQuery) -> list[Album]:
        text = (query.text or "").casefold()
        found = [
            album
            for album in self.albums.values()
            if (text in album.title.casefold() or text in album.artist.casefold())
            and (not query.genre or query.genre.casefold() in album.genres)
            and (query.year is None or album.year == query.year)
        ]
        ordered = sorted(found, key=lambda album: _sort_key(query.sort, album))
        return ordered[query.offset : query.offset + query.limit]

    async def exists(self, album_id: int) -> bool:
        return album_id in self.albums

    async def fold(self, deltas: Mapping[int, Delta], *, session: Session | None) -> dict[int, Aggregate]:
        new = {
            album_id: folded(self.albums[album_id].aggregate, delta)
            for album_id, delta in deltas.items()
            if album_id in self.albums
        }
        for album_id, aggregate in new.items():
            self.albums[album_id] = replace(self.albums[album_id], aggregate=aggregate)
        return new


class InMemoryRatingRepository(InMemoryIds):
    def __init__(self) -> None:
        super().__init__()
        self.ratings: dict[int, Rating] = {}
        self.likes: set[tuple[int, int]] = set()

    async def get(self, rating_id: int, *, session: Session | None = None) -> Rating | None:
        return self.ratings.get(rating_id)

    async def of_user_for_album(
        self, user_id: int, album_id: int, *, session: Session | None
    ) -> Rating | None:
        return next(
            (r for r in self.ratings.values() if r.user_id == user_id and r.album_id == album_id), None
        )

    async def apply(
        self, changes: Sequence[RatingChange], *, session: Session | None
    ) -> list[tuple[Rating | None, Rating | None]]:
        results = []
        for change in changes:
            before = await self.of_user_for_album(change.user_id, change.album_id, session=session)
            after = applied(before, change)
            if before is not None and (after is None or after.id != before.id):
                self.ratings.pop(before.id)
                self.likes = {like for like in self.likes if like[0] != before.id}
            if after is not None:
                self.ratings[after.id] = after
            results.append((before, after))
        return results

    async def for_album(self, album_id: int, *, sort: ReviewSort, limit: int, offset: int) -> list[Rating]:
        of_album = [r for r in self.ratings.values() if r.album_id == album_id]
        if sort is ReviewSort.NEWEST:
            ordered = sorted(of_album, key=lambda r: (r.updated_at, r.id), reverse=True)
        else:
            ordered = sorted(of_album, key=lambda r: (r.likes, r.updated_at), reverse=True)
        return ordered[offset : offset + limit]

    async def by_users(self, user_ids: list[int], *, limit: int, offset: int) -> list[Rating]:
        found = [r for r in self.ratings.values() if r.user_id in user_ids]
        return sorted(found, key=lambda r: (r.updated_at, r.id), reverse=True)[offset : offset + limit]

    async def like(self, review_id: int, user_id: int, *, session: Session | None) -> bool:
        if (review_id, user_id) in self.likes:
            return False
        self.likes.add((review_id, user_id))
        self._add_likes(review_id, 1)
        return True

    async def unlike(self, review_id: int, user_id: int, *, session: Session | None) -> bool:
        if (review_id, user_id) not in self.likes:
            return False
        self.likes.discard((review_id, user_id))
        self._add_likes(review_id, -1)
        return True

    def _add_likes(self, review_id: int, change: int) -> None:
        if (rating := self.ratings.get(review_id)) is not None:
            self.ratings[review_id] = replace(rating, likes=rating.likes + change)


class InMemoryPeopleDirectory:
    def __init__(
        self, names: dict[int, str] | None = None, friends: dict[int, list[int]] | None = None
    ) -> None:
        self.names = names or {}
        self.friends = friends or {}

    async def usernames(self, user_ids: list[int]) -> dict[int, str]:
        return {user_id: self.names[user_id] for user_id in user_ids if user_id in self.names}

    async def friends_of(self, user_id: int) -> list[int]:
        return list(self.friends.get(user_id, []))
